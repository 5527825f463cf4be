using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.LogProb;

/// <summary>
/// <see cref="LinearLogProb"/> (blocks of hidden·Wᵀ, never the full logits) against the full-logits paths: Ops.Linear
/// then the <see cref="LogProbReference"/> kernel, and libtorch autograd through log_softmax + gather; finite
/// differences of d hidden; gradients reaching a backbone; bad input.
/// </summary>
public sealed class LinearLogProbTests : LogProbTorchTest
{
    private static readonly LogProbReference s_full = new();

    // Chunks that do not divide N or V; labels in the first and the last vocabulary chunk (see Problem).
    [TestCase(37, 24, 301, 8, 64, 1f)]
    [TestCase(37, 24, 301, 16, 7, 0.7f)]
    [TestCase(12, 16, 50, 12, 50, 1.5f)]
    [TestCase(5, 8, 1000, 2, 999, 1f)]
    public void Forward_MatchesFullLogitsKernel(int tokens, int width, int vocab, int tokenChunk, int vocabChunk,
        float temp)
    {
        var (hidden, weight, labels) = Problem(tokens, width, vocab, 1);
        var result = LinearLogProb.Forward(hidden, weight, labels, new(temp, tokenChunk, vocabChunk));

        var logits = Ops.Linear(hidden, weight).ToArray<float>();
        var h = new float[tokens];
        var lp = new float[tokens];
        s_full.Forward(logits, labels, tokens, vocab, temp, h, lp);
        AssertClose(result.Entropy, h, 2e-6, "entropy");
        AssertClose(result.LogProb, lp, 2e-6, "log_prob");
    }

    [TestCase(37, 24, 301, 8, 64, 1f)]
    [TestCase(37, 24, 301, 16, 7, 0.7f)]
    public void Gradients_MatchFullLogitsKernel(int tokens, int width, int vocab, int tokenChunk, int vocabChunk,
        float temp)
    {
        var (hidden, weight, labels) = Problem(tokens, width, vocab, 2);
        var rng = TestRandom.Create();
        var gH = Normal(rng, tokens);
        var gL = Normal(rng, tokens);
        var result = LinearLogProb.Forward(hidden, weight, labels, new(temp, tokenChunk, vocabChunk));
        var (dH, dW) = LinearLogProb.Gradients(hidden, weight, result, gH, gL, weightGrad: true);

        // Full path: dX [N, V] from the spec kernel, then dH = dX·W and dW = dXᵀ·H in double.
        var dX = new float[tokens * vocab];
        s_full.Backward(Ops.Linear(hidden, weight).ToArray<float>(), labels, tokens, vocab, temp, gH, gL, dX);
        var dX64 = Tensor.From<float>(dX, tokens, vocab).To(DType.Float64);
        var dHRef = Ops.MatMul(dX64, weight.To(DType.Float64)).To(DType.Float32).ToArray<float>();
        var dWRef = Ops.MatMul(dX64.Transpose(0, 1), hidden.To(DType.Float64)).To(DType.Float32).ToArray<float>();
        AssertClose(dH.ToArray<float>(), dHRef, 1e-5, "d hidden");
        AssertClose(dW!.ToArray<float>(), dWRef, 1e-5, "d weight");
    }

    [Test]
    public void Backward_MatchesLibTorchAutogradThroughLogSoftmaxAndGather()
    {
        const int tokens = 19, width = 12, vocab = 133;
        const float temp = 0.8f;
        var (h0, w0, labels) = Problem(tokens, width, vocab, 3);
        var rng = TestRandom.Create();
        var gH = Normal(rng, tokens);
        var gL = Normal(rng, tokens);

        // libtorch op by op: z = (h Wᵀ)/T, logp = log_softmax(z).gather(y), H = −Σ softmax(z)·log_softmax(z).
        var h = h0.Clone().Detach();
        var w = w0.Clone().Detach();
        h.RequiresGrad = true;
        w.RequiresGrad = true;
        var logSoftmax = Ops.LogSoftmax(Ops.Mul(Ops.Linear(h, w), 1.0 / temp), -1);
        var labelIndex = Tensor.From<long>(labels.Select(x => (long)x).ToArray(), tokens, 1);
        var logp = Ops.Gather(logSoftmax, 1, labelIndex).Reshape(tokens);
        var entropy = Ops.Neg(Ops.Sum(Ops.Mul(Ops.Exp(logSoftmax), logSoftmax), [1]));
        var loss = Ops.Add(
            Ops.Sum(Ops.Mul(logp, Tensor.From<float>(gL, tokens))),
            Ops.Sum(Ops.Mul(entropy, Tensor.From<float>(gH, tokens))));
        loss.Backward();

        var hc = h0.Clone().Detach();
        var wc = w0.Clone().Detach();
        hc.RequiresGrad = true;
        wc.RequiresGrad = true;
        var result = LinearLogProb.Forward(hc, wc, labels, new(temp, 7, 40));
        AssertClose(result.LogProb, logp.ToArray<float>(), 1e-5, "log_prob");
        AssertClose(result.Entropy, entropy.ToArray<float>(), 1e-5, "entropy");
        LinearLogProb.Backward(hc, wc, result, gH, gL);
        AssertClose(hc.Grad!.ToArray<float>(), h.Grad!.ToArray<float>(), 1e-5, "hidden.grad");
        AssertClose(wc.Grad!.ToArray<float>(), w.Grad!.ToArray<float>(), 1e-5, "weight.grad");
    }

    [Test]
    public void Backward_FlowsIntoTheBackboneAndKeepsLeadingDims()
    {
        const int batch = 2, seq = 5, width = 6, vocab = 29;
        var (h0, weight, labels) = Problem(batch * seq, width, vocab, 4);
        var x = h0.Reshape(batch, seq, width).Clone().Detach();
        x.RequiresGrad = true;
        var hidden = Ops.Tanh(x); // a one-op "backbone": d x = (1 − tanh²)·d hidden
        var gL = Enumerable.Repeat(1f, batch * seq).ToArray();
        var result = LinearLogProb.Forward(hidden, weight, labels, new(1f, 3, 8));
        var (dH, _) = LinearLogProb.Gradients(hidden, weight, result, default, gL);
        Assert.That(dH.Shape, Is.EqualTo(new long[] { batch, seq, width }));
        LinearLogProb.Backward(hidden, weight, result, default, gL);

        var tanh = hidden.Detach();
        var expected = Ops.Mul(dH, Ops.Add(Ops.Neg(Ops.Mul(tanh, tanh)), 1.0)).ToArray<float>();
        AssertClose(x.Grad!.ToArray<float>(), expected, 1e-6, "x.grad");
        Assert.That(weight.Grad, Is.Null, "a frozen lm_head gets no gradient");
    }

    [Test]
    public void GradHidden_MatchesFiniteDifferences()
    {
        const int tokens = 3, width = 5, vocab = 11;
        const float temp = 0.9f;
        var (hidden, weight, labels) = Problem(tokens, width, vocab, 5);
        float[] gH = [0.7f, -1.3f, 0.25f];
        float[] gL = [-0.4f, 0.9f, 1.1f];
        var options = new LinearLogProbOptions(temp, 2, 4);
        var result = LinearLogProb.Forward(hidden, weight, labels, options);
        var dH = LinearLogProb.Gradients(hidden, weight, result, gH, gL).GradHidden.ToArray<float>();

        var h = hidden.ToArray<float>();
        const float step = 1e-2f;
        for (int i = 0; i < h.Length; i++)
        {
            float keep = h[i];
            h[i] = keep + step;
            double up = Objective(h);
            h[i] = keep - step;
            double down = Objective(h);
            h[i] = keep;
            Assert.That(dH[i], Is.EqualTo((up - down) / (2 * step)).Within(2e-3), $"d hidden[{i}]");
        }

        double Objective(float[] values)
        {
            using var scope = LibTorch.NewDisposeScope();
            var r = LinearLogProb.Forward(Tensor.From<float>(values, tokens, width), weight, labels, options);
            double sum = 0;
            for (int t = 0; t < tokens; t++)
            {
                sum += (double)gH[t] * r.Entropy[t] + (double)gL[t] * r.LogProb[t];
            }

            return sum;
        }
    }

    [Test]
    public void Forward_ThrowsForLabelOutOfRangeOrOfTheWrongCount()
    {
        var (hidden, weight, labels) = Problem(4, 3, 10, 6);
        labels[2] = 10;
        var ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(hidden, weight, labels));
        Assert.That(ex!.Message, Does.Contain("labels[2]").And.Contain("10"));
        ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(hidden, weight, [1, 2]));
        Assert.That(ex!.Message, Does.Contain("labels has 2 entries").And.Contain("4 tokens"));
    }

    [Test]
    public void Forward_ThrowsForShapeOrTypeMismatchNamingTheTensor()
    {
        var (hidden, weight, labels) = Problem(4, 3, 10, 7);
        var ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(hidden.Narrow(1, 0, 2), weight, labels));
        Assert.That(ex!.Message, Does.Contain("hidden [4, 2]").And.Contain("weight [10, 3]"));
        ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(hidden, weight.Reshape(30), labels));
        Assert.That(ex!.Message, Does.Contain("weight must be the lm_head weight"));
        ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(hidden.To(DType.Float64), weight, labels));
        Assert.That(ex!.Message, Does.Contain("hidden must be float32"));
        ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(hidden, weight, labels, new(0f)));
        Assert.That(ex!.Message, Does.Contain("temperature"));
    }

    [Test]
    public void Forward_ThrowsForNaNHiddenNamingRowAndColumn()
    {
        var (hidden, weight, labels) = Problem(6, 4, 20, 8);
        var values = hidden.ToArray<float>();
        values[3 * 4 + 2] = float.NaN;
        var bad = Tensor.From<float>(values, 6, 4);
        var ex = Assert.Throws<ModelException>(() => LinearLogProb.Forward(bad, weight, labels, new(1f, 4, 8)));
        Assert.That(ex!.Message, Does.Contain("hidden[3]").And.Contain("column 2"));

        var w = weight.ToArray<float>();
        w[13 * 4] = float.PositiveInfinity;
        ex = Assert.Throws<ModelException>(
            () => LinearLogProb.Forward(hidden, Tensor.From<float>(w, 20, 4), labels, new(1f, 4, 8)));
        Assert.That(ex!.Message, Does.Contain("weight rows [8, 16)"));
    }

    [Test]
    public void Backward_ThrowsForBadUpstreamOrNothingToDifferentiate()
    {
        var (hidden, weight, labels) = Problem(4, 3, 10, 9);
        var result = LinearLogProb.Forward(hidden, weight, labels);
        var ex = Assert.Throws<ModelException>(
            () => LinearLogProb.Gradients(hidden, weight, result, [1f, 2f], default));
        Assert.That(ex!.Message, Does.Contain("grad_entropy has 2 entries"));
        ex = Assert.Throws<ModelException>(
            () => LinearLogProb.Gradients(hidden, weight, result, default, [0f, float.NaN, 0f, 0f]));
        Assert.That(ex!.Message, Does.Contain("grad_log_prob[1]"));
        ex = Assert.Throws<ModelException>(() => LinearLogProb.Backward(hidden, weight, result, default, default));
        Assert.That(ex!.Message, Does.Contain("neither hidden nor weight requires grad"));
        ex = Assert.Throws<ModelException>(
            () => LinearLogProb.Gradients(hidden.Narrow(0, 0, 3), weight, result, default, default));
        Assert.That(ex!.Message, Does.Contain("forward ran on 4 tokens"));
    }

    /// <summary>hidden [N, H] ~ N(0, 1), W [V, H] ~ N(0, 0.5²), labels with token 0 → 0 and token N−1 → V−1.</summary>
    private static (Tensor Hidden, Tensor Weight, int[] Labels) Problem(int tokens, int width, int vocab, int salt)
    {
        var rng = new Random(TestRandom.Seed + salt);
        var hidden = Tensor.From<float>(Normal(rng, tokens * width), tokens, width);
        var weight = Tensor.From<float>(Normal(rng, vocab * width).Select(x => 0.5f * x).ToArray(), vocab, width);
        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        labels[0] = 0;
        labels[^1] = vocab - 1;
        return (hidden, weight, labels);
    }

    private static float[] Normal(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            a[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }

        return a;
    }
}
