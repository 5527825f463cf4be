using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LogProb;

/// <summary>
/// The ILGPU log-prob kernels beyond the shared fixtures: forward, backward and the chunked blocks run the
/// reference's double arithmetic in its order, so on ILGPU's CPU accelerator (the host's <c>exp</c>/<c>log</c>) they
/// give <see cref="LogProbReference"/>'s and <see cref="ChunkedLogProbReference"/>'s bits, and on a CUDA device
/// (its own <c>exp</c>/<c>log</c>) agree within 1e-6; a repeated call allocates no device buffer and compiles no
/// kernel. Sizes stay within <see cref="Backends.IlgpuCpuBudget"/>.
/// </summary>
public sealed class LogProbIlgpuTests
{
    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(LogProbIlgpu.Ported));

    private static void AssertSame(float[] actual, float[] expected, string what)
    {
        if (IlgpuRuntime.Shared.IsCpu)
        {
            Assert.That(actual, Is.EqualTo(expected), $"{what}: the reference's bits");
        }
        else
        {
            TestRandom.AssertClose(actual, expected, 1e-6, what);
        }
    }

    [TestCase(9, 301, 0.8f)]
    [TestCase(1, 1, 1f)]
    public void ForwardAndBackward_GiveTheReferenceAndReuseThePool(int tokens, int vocab, float temperature)
    {
        var rng = TestRandom.Create(tokens * vocab);
        var logits = TestRandom.Normal(rng, tokens * vocab, 0f, 3f);
        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        var (gH, gL) = (TestRandom.Normal(rng, tokens), TestRandom.Normal(rng, tokens));
        var reference = new LogProbReference();
        var (hRef, lpRef, gradRef) = (new float[tokens], new float[tokens], new float[logits.Length]);
        reference.Forward(logits, labels, tokens, vocab, temperature, hRef, lpRef);
        reference.Backward(logits, labels, tokens, vocab, temperature, gH, gL, gradRef);

        var context = IlgpuRuntime.Shared;
        var kernels = new LogProbIlgpu(context);
        var (h, lp, grad) = (new float[tokens], new float[tokens], new float[logits.Length]);
        kernels.Forward(logits, labels, tokens, vocab, temperature, h, lp);
        kernels.Backward(logits, labels, tokens, vocab, temperature, gH, gL, grad);
        AssertSame(h, hRef, "entropy");
        AssertSame(lp, lpRef, "log_prob");
        AssertSame(grad, gradRef, "grad_logits");

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var again = new float[logits.Length];
        kernels.Forward(logits, labels, tokens, vocab, temperature, h, lp);
        kernels.Backward(logits, labels, tokens, vocab, temperature, gH, gL, again);
        Assert.That(again, Is.EqualTo(grad), "same bits on a second run");
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the second call allocates no device buffer and compiles no kernel");
    }

    [Test]
    public void Chunked_GivesTheChunkedReferenceAndReusesThePool()
    {
        const int tokens = 6, vocab = 250, tokenChunk = 4, vocabChunk = 96;
        const float temperature = 1.2f;
        var rng = TestRandom.Create(17);
        var logits = TestRandom.Normal(rng, tokens * vocab, 0f, 2f);
        var labels = Enumerable.Range(0, tokens).Select(t => t * 41 % vocab).ToArray();
        var (gH, gL) = (TestRandom.Normal(rng, tokens), TestRandom.Normal(rng, tokens));
        var context = IlgpuRuntime.Shared;
        var (h, lp, grad) = Run(new ChunkedLogProbReference());
        var (hI, lpI, gradI) = Run(new ChunkedLogProbIlgpu(context));
        AssertSame(hI, h, "entropy");
        AssertSame(lpI, lp, "log_prob");
        AssertSame(gradI, grad, "grad_logits");

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var (_, _, again) = Run(new ChunkedLogProbIlgpu(context));
        Assert.That(again, Is.EqualTo(gradI), "same bits on a second run");
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the second run allocates no device buffer and compiles no kernel");

        (float[] H, float[] Lp, float[] Grad) Run(IChunkedLogProbKernels kernels)
        {
            var state = new LogSumExpState(tokens, vocab, temperature, labels);
            var (entropy, logProb, gradLogits) = (new float[tokens], new float[tokens], new float[tokens * vocab]);
            foreach (bool backward in new[] { false, true })
            {
                for (int t0 = 0; t0 < tokens; t0 += tokenChunk)
                {
                    for (int v0 = 0; v0 < vocab; v0 += vocabChunk)
                    {
                        int tn = Math.Min(tokenChunk, tokens - t0), vn = Math.Min(vocabChunk, vocab - v0);
                        var block = new float[tn * vn];
                        for (int t = 0; t < tn; t++)
                        {
                            logits.AsSpan((t0 + t) * vocab + v0, vn).CopyTo(block.AsSpan(t * vn, vn));
                        }

                        if (!backward)
                        {
                            kernels.Accumulate(block, t0, tn, v0, vn, state);
                            continue;
                        }

                        var blockGrad = new float[block.Length];
                        kernels.Backward(block, t0, tn, v0, vn, state, gH, gL, blockGrad);
                        for (int t = 0; t < tn; t++)
                        {
                            blockGrad.AsSpan(t * vn, vn).CopyTo(gradLogits.AsSpan((t0 + t) * vocab + v0, vn));
                        }
                    }
                }

                if (!backward)
                {
                    state.Finish(entropy, logProb);
                }
            }

            return (entropy, logProb, gradLogits);
        }
    }
}
