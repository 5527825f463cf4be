using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LogProb;

/// <summary>The log-prob shaders on both reduction variants (subgroup, shared memory): agreement with the reference
/// on rows longer and shorter than a workgroup, and the same bits run after run.</summary>
public sealed class LogProbVulkanTests
{
    [Test]
    public void ForwardAndBackward_BothReductionVariantsMatchReference([Values(true, false)] bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        var kernels = new LogProbVulkan(context);
        foreach (int vocab in new[] { 3, 255, 4099 })
        {
            int tokens = 17;
            var rng = TestRandom.Create(vocab);
            var logits = TestRandom.Normal(rng, tokens * vocab, 1f, 4f);
            var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
            var gH = TestRandom.Normal(rng, tokens);
            var gL = TestRandom.Normal(rng, tokens);
            var (h, lp, g) = (new float[tokens], new float[tokens], new float[tokens * vocab]);
            var (hRef, lpRef, gRef) = (new float[tokens], new float[tokens], new float[tokens * vocab]);
            kernels.Forward(logits, labels, tokens, vocab, 0.7f, h, lp);
            kernels.Backward(logits, labels, tokens, vocab, 0.7f, gH, gL, g);
            new LogProbReference().Forward(logits, labels, tokens, vocab, 0.7f, hRef, lpRef);
            new LogProbReference().Backward(logits, labels, tokens, vocab, 0.7f, gH, gL, gRef);
            TestRandom.AssertClose(h, hRef, 2e-6, $"entropy V={vocab}");
            TestRandom.AssertClose(lp, lpRef, 2e-6, $"log_prob V={vocab}");
            TestRandom.AssertClose(g, gRef, 1e-6, $"grad V={vocab}");

            var again = new float[tokens];
            kernels.Forward(logits, labels, tokens, vocab, 0.7f, again, default);
            Assert.That(again, Is.EqualTo(h), "same bits run after run");
        }
    }

    [Test]
    public void Chunked_BothReductionVariantsMatchReferenceAndRepeatBitForBit([Values(true, false)] bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        var kernels = new ChunkedLogProbVulkan(context);
        const int tokens = 13, vocab = 1031, tokenChunk = 5, vocabChunk = 300;
        var rng = TestRandom.Create(vocab);
        var logits = TestRandom.Normal(rng, tokens * vocab, 1f, 4f);
        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        var gH = TestRandom.Normal(rng, tokens);
        var gL = TestRandom.Normal(rng, tokens);

        (float[] H, float[] Lp, float[] Grad) Run()
        {
            var state = new LogSumExpState(tokens, vocab, 0.8f, labels);
            var grad = new float[tokens * vocab];
            for (int pass = 0; pass < 2; pass++)
            {
                for (int t0 = 0; t0 < tokens; t0 += tokenChunk)
                {
                    for (int v0 = 0; v0 < vocab; v0 += vocabChunk)
                    {
                        int tn = Math.Min(tokenChunk, tokens - t0), vn = Math.Min(vocabChunk, vocab - v0);
                        var block = new float[tn * vn];
                        for (int t = 0; t < tn; t++)
                        {
                            logits.AsSpan((t0 + t) * vocab + v0, vn).CopyTo(block.AsSpan(t * vn));
                        }

                        if (pass == 0)
                        {
                            kernels.Accumulate(block, t0, tn, v0, vn, state);
                            continue;
                        }

                        kernels.Backward(block, t0, tn, v0, vn, state, gH, gL, block);
                        for (int t = 0; t < tn; t++)
                        {
                            block.AsSpan(t * vn, vn).CopyTo(grad.AsSpan((t0 + t) * vocab + v0));
                        }
                    }
                }
            }

            var (h, lp) = (new float[tokens], new float[tokens]);
            state.Finish(h, lp);
            return (h, lp, grad);
        }

        var first = Run();
        var (hRef, lpRef, gRef) = (new float[tokens], new float[tokens], new float[tokens * vocab]);
        new LogProbReference().Forward(logits, labels, tokens, vocab, 0.8f, hRef, lpRef);
        new LogProbReference().Backward(logits, labels, tokens, vocab, 0.8f, gH, gL, gRef);
        TestRandom.AssertClose(first.H, hRef, 2e-6, "entropy");
        TestRandom.AssertClose(first.Lp, lpRef, 2e-6, "log_prob");
        TestRandom.AssertClose(first.Grad, gRef, 1e-6, "grad_logits (in place)");

        var again = Run();
        Assert.That((again.H, again.Lp, again.Grad), Is.EqualTo((first.H, first.Lp, first.Grad)), "same bits");
    }
}
