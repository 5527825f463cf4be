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
}
