using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LogProb;

/// <summary>
/// Chunked (token × vocabulary blocks) entropy / log-prob on every backend against the full-row spec
/// <see cref="LogProbReference"/>: forward, backward, in-place backward, properties of the online merge, errors.
/// On Vulkan the block statistics are float32 like the Cpu backend's, within the same bounds.
/// </summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class ChunkedLogProbTests(Backend backend)
{
    private static readonly LogProbReference s_full = new();

    /// <summary>Every test runs on Vulkan and ILGPU when a device opened (the block kernels are ported).</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All(LogProbVulkan.Ported), Ported.All(LogProbIlgpu.Ported));

    private IChunkedLogProbKernels Kernels => ChunkedLogProbKernels.For(backend);

    [Test]
    public void Forward_MatchesHandComputedVocab3SplitInTwo()
    {
        // z = [1,2,3] (see LogProbTests): H = 0.8323956, log p(label 0) = −2.4076060; the cut is after column 0.
        float[] logits = [1f, 2f, 3f];
        var state = new LogSumExpState(1, 3, 1f, [0]);
        Kernels.Accumulate(logits.AsSpan(1, 2), 0, 1, 1, 2, state);
        Kernels.Accumulate(logits.AsSpan(0, 1), 0, 1, 0, 1, state);
        var h = new float[1];
        var lp = new float[1];
        state.Finish(h, lp);
        Assert.That(h[0], Is.EqualTo(0.8323956f).Within(1e-6f));
        Assert.That(lp[0], Is.EqualTo(-2.4076060f).Within(1e-6f));
        Assert.That(state.Row(0).LogSumExp(1f), Is.EqualTo(3.4076060).Within(1e-6));
    }

    // Chunk sizes that do not divide tokens or vocab; labels in the first and the last vocabulary chunk.
    [TestCase(7, 1000, 3, 128, 1f)]
    [TestCase(33, 517, 10, 100, 0.7f)]
    [TestCase(5, 4099, 5, 4099, 1.3f)]
    [TestCase(9, 300, 4, 1, 2f)]
    public void Forward_MatchesFullRowReference(int tokens, int vocab, int tokenChunk, int vocabChunk, float temp)
    {
        var (logits, labels) = Problem(tokens, vocab, tokenChunk + vocabChunk);
        var (h, lp) = Chunked(Kernels, logits, labels, tokens, vocab, tokenChunk, vocabChunk, temp, reverse: true);
        var (hRef, lpRef) = Full(logits, labels, tokens, vocab, temp);
        TestRandom.AssertClose(h, hRef, 2e-6, "entropy");
        TestRandom.AssertClose(lp, lpRef, 2e-6, "log_prob");
    }

    [TestCase(7, 1000, 3, 128, 1f)]
    [TestCase(33, 517, 10, 100, 0.7f)]
    [TestCase(4, 70, 4, 1, 1.6f)]
    public void Backward_MatchesFullRowReference(int tokens, int vocab, int tokenChunk, int vocabChunk, float temp)
    {
        var (logits, labels) = Problem(tokens, vocab, 5 * tokenChunk + vocabChunk);
        var rng = TestRandom.Create(tokens);
        var gH = TestRandom.Normal(rng, tokens);
        var gL = TestRandom.Normal(rng, tokens);
        var state = Fold(Kernels, logits, labels, tokens, vocab, tokenChunk, vocabChunk, temp, reverse: false);
        var grad = Enumerable.Repeat(float.NaN, logits.Length).ToArray();
        foreach (var (t0, tn, v0, vn) in Blocks(tokens, vocab, tokenChunk, vocabChunk, reverse: true))
        {
            var block = Block(logits, vocab, t0, tn, v0, vn);
            var blockGrad = new float[block.Length];
            Kernels.Backward(block, t0, tn, v0, vn, state, gH, gL, blockGrad);
            Scatter(blockGrad, grad, vocab, t0, tn, v0, vn);
        }

        var gradRef = new float[logits.Length];
        s_full.Backward(logits, labels, tokens, vocab, temp, gH, gL, gradRef);
        TestRandom.AssertClose(grad, gradRef, 1e-6, "grad_logits");
    }

    [Test]
    public void Backward_InPlaceEqualsSeparateOutputAndEmptyUpstreamMeansZero()
    {
        const int tokens = 6, vocab = 333;
        var (logits, labels) = Problem(tokens, vocab, 17);
        var gL = TestRandom.Normal(TestRandom.Create(2), tokens);
        var state = Fold(Kernels, logits, labels, tokens, vocab, tokens, vocab, 1.1f, reverse: false);
        var separate = new float[logits.Length];
        Kernels.Backward(logits, 0, tokens, 0, vocab, state, default, gL, separate);
        var inPlace = (float[])logits.Clone();
        Kernels.Backward(inPlace, 0, tokens, 0, vocab, state, default, gL, inPlace);
        Assert.That(inPlace, Is.EqualTo(separate));

        var block = new float[2 * 100];
        Kernels.Backward(logits.AsSpan(0, 0), 0, 0, 0, 1, state, default, default, default);
        Kernels.Backward(Block(logits, vocab, 4, 2, 200, 100), 4, 2, 200, 100, state, default, gL, block);
        TestRandom.AssertClose(block, Block(separate, vocab, 4, 2, 200, 100), 0.0, "a later block, one upstream");

        var zeros = new float[logits.Length];
        Kernels.Backward(logits, 0, tokens, 0, vocab, state, new float[tokens], gL, zeros);
        TestRandom.AssertClose(separate, zeros, 0.0, "grad_logits");
    }

    [Test]
    public void Forward_AnyChunkingEqualsFullRowReference() =>
        Prop.ForAll<int, byte, ushort>((seed, v, chunks) =>
        {
            int vocab = v + 1, tokens = 3, tokenChunk = (chunks >> 8) % tokens + 1, vocabChunk = chunks % vocab + 1;
            var (logits, labels) = Problem(tokens, vocab, seed);
            var (h, lp) = Chunked(Kernels, logits, labels, tokens, vocab, tokenChunk, vocabChunk, 0.9f, seed % 2 == 0);
            var (hRef, lpRef) = Full(logits, labels, tokens, vocab, 0.9f);
            return Close(h, hRef, 3e-6) && Close(lp, lpRef, 3e-6);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Merge_IsInvariantToCutPointsAndOrder() =>
        Prop.ForAll<int, byte, byte>((seed, n, pieces) =>
        {
            var rng = new Random(seed);
            var row = TestRandom.Normal(rng, n + 1, 0f, 1f + pieces % 7);
            float temp = 0.5f + (pieces & 3);
            var whole = OnlineLogSumExp.Of(row, temp);
            var cuts = Enumerable.Range(1, row.Length - 1).Where(_ => rng.Next(4) == 0).Append(row.Length).ToArray();
            var parts = new List<OnlineLogSumExp>();
            for (int i = 0, start = 0; i < cuts.Length; start = cuts[i++])
            {
                parts.Add(OnlineLogSumExp.Of(row.AsSpan(start, cuts[i] - start), temp));
            }

            var merged = parts.OrderBy(_ => rng.Next()).Aggregate(OnlineLogSumExp.Empty, (a, b) => a.Merge(b, temp));
            return merged.Max == whole.Max
                && Math.Abs(merged.LogSum - whole.LogSum) < 1e-12
                && Math.Abs(merged.Entropy - whole.Entropy) < 1e-12;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Merge_WithEmptyIsIdentity()
    {
        var a = OnlineLogSumExp.Of([0.5f, -2f, 3f], 1.2f);
        Assert.That(a.Merge(OnlineLogSumExp.Empty, 1.2f), Is.EqualTo(a));
        Assert.That(OnlineLogSumExp.Empty.Merge(a, 1.2f), Is.EqualTo(a));
        Assert.That(OnlineLogSumExp.Of([], 1f).IsEmpty, Is.True);
    }

    [Test]
    public void State_ThrowsForLabelOutOfRangeNamingTheRow()
    {
        var ex = Assert.Throws<KernelInputException>(() => _ = new LogSumExpState(2, 3, 1f, [1, 3]));
        Assert.That(ex!.Field, Is.EqualTo("labels"));
        Assert.That(ex.Row, Is.EqualTo(1));
        Assert.Throws<KernelInputException>(() => _ = new LogSumExpState(2, 3, 0f, [1, 2]));
        Assert.Throws<KernelInputException>(() => _ = new LogSumExpState(2, 3, 1f, [1]));
    }

    [Test]
    public void Accumulate_ThrowsForNaNNamingTheGlobalTokenAndColumn()
    {
        var state = new LogSumExpState(10, 50, 1f, default);
        var block = new float[3 * 20];
        block[1 * 20 + 7] = float.NaN;
        var ex = Assert.Throws<KernelInputException>(() => Kernels.Accumulate(block, 4, 3, 30, 20, state));
        Assert.That(ex!.Field, Is.EqualTo("logits"));
        Assert.That(ex.Row, Is.EqualTo(5));
        Assert.That(ex.Message, Does.Contain("vocabulary column 37"));

        block[1 * 20 + 7] = float.NegativeInfinity;
        Assert.Throws<KernelInputException>(() => Kernels.Accumulate(block, 4, 3, 30, 20, state));
    }

    [Test]
    public void Accumulate_ThrowsForBlockOutsideTheStateOrOfTheWrongLength()
    {
        var state = new LogSumExpState(4, 10, 1f, default);
        Assert.That(
            Assert.Throws<KernelInputException>(() => Kernels.Accumulate(new float[6], 3, 2, 0, 3, state))!.Field,
            Is.EqualTo("tokens"));
        Assert.That(
            Assert.Throws<KernelInputException>(() => Kernels.Accumulate(new float[6], 0, 2, 8, 3, state))!.Field,
            Is.EqualTo("vocab"));
        Assert.That(
            Assert.Throws<KernelInputException>(() => Kernels.Accumulate(new float[5], 0, 2, 0, 3, state))!.Field,
            Is.EqualTo("logits"));
    }

    [Test]
    public void State_RefusesToFinishOrBackwardWhileColumnsAreMissingOrSeenTwice()
    {
        var state = new LogSumExpState(2, 10, 1f, [0, 9]);
        Kernels.Accumulate(new float[2 * 6], 0, 2, 0, 6, state);
        Assert.That(state.IsComplete, Is.False);
        var ex = Assert.Throws<InvalidOperationException>(() => state.Finish(new float[2], new float[2]));
        Assert.That(ex!.Message, Does.Contain("token 0 has seen 6 of 10"));
        Assert.Throws<InvalidOperationException>(
            () => Kernels.Backward(new float[12], 0, 2, 0, 6, state, new float[2], default, new float[12]));
        Assert.Throws<InvalidOperationException>(() => Kernels.Accumulate(new float[2 * 6], 0, 2, 0, 6, state));

        // A block large enough to run its rows in parallel reports a repeat the same way (not as an aggregate).
        var big = new LogSumExpState(64, 4096, 1f, default);
        Kernels.Accumulate(new float[64 * 4096], 0, 64, 0, 4096, big);
        Assert.Throws<InvalidOperationException>(() => Kernels.Accumulate(new float[64 * 4096], 0, 64, 0, 4096, big));
    }

    [Test]
    public void Backward_ThrowsForNonFiniteUpstreamOrLogProbGradientWithoutLabels()
    {
        var state = new LogSumExpState(2, 4, 1f, default);
        Kernels.Accumulate(new float[8], 0, 2, 0, 4, state);
        Assert.That(
            Assert.Throws<KernelInputException>(
                () => Kernels.Backward(new float[8], 0, 2, 0, 4, state, [0f, float.NaN], default, new float[8]))!.Field,
            Is.EqualTo("grad_entropy"));
        Assert.That(
            Assert.Throws<KernelInputException>(
                () => Kernels.Backward(new float[8], 0, 2, 0, 4, state, default, [1f, 1f], new float[8]))!.Field,
            Is.EqualTo("labels"));
    }

    private static (float[] Logits, int[] Labels) Problem(int tokens, int vocab, int salt)
    {
        var rng = TestRandom.Create(salt);
        var logits = TestRandom.Normal(rng, tokens * vocab, 0f, 3f);
        // Row 0 ascends so the running max grows in every chunk (exercises the rescale in the merge).
        for (int v = 0; v < vocab; v++)
        {
            logits[v] = 0.01f * v;
        }

        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        labels[0] = 0;
        labels[tokens - 1] = vocab - 1;
        return (logits, labels);
    }

    private static IEnumerable<(int T0, int Tn, int V0, int Vn)> Blocks(
        int tokens, int vocab, int tokenChunk, int vocabChunk, bool reverse)
    {
        var blocks = new List<(int, int, int, int)>();
        for (int v0 = 0; v0 < vocab; v0 += vocabChunk)
        {
            for (int t0 = 0; t0 < tokens; t0 += tokenChunk)
            {
                blocks.Add((t0, Math.Min(tokenChunk, tokens - t0), v0, Math.Min(vocabChunk, vocab - v0)));
            }
        }

        if (reverse)
        {
            blocks.Reverse();
        }

        return blocks;
    }

    private static float[] Block(float[] logits, int vocab, int t0, int tn, int v0, int vn)
    {
        var block = new float[tn * vn];
        for (int t = 0; t < tn; t++)
        {
            logits.AsSpan((t0 + t) * vocab + v0, vn).CopyTo(block.AsSpan(t * vn, vn));
        }

        return block;
    }

    private static void Scatter(float[] block, float[] full, int vocab, int t0, int tn, int v0, int vn)
    {
        for (int t = 0; t < tn; t++)
        {
            block.AsSpan(t * vn, vn).CopyTo(full.AsSpan((t0 + t) * vocab + v0, vn));
        }
    }

    private static LogSumExpState Fold(
        IChunkedLogProbKernels kernels, float[] logits, int[] labels, int tokens, int vocab, int tokenChunk,
        int vocabChunk, float temp, bool reverse)
    {
        var state = new LogSumExpState(tokens, vocab, temp, labels);
        foreach (var (t0, tn, v0, vn) in Blocks(tokens, vocab, tokenChunk, vocabChunk, reverse))
        {
            kernels.Accumulate(Block(logits, vocab, t0, tn, v0, vn), t0, tn, v0, vn, state);
        }

        return state;
    }

    private static (float[] H, float[] Lp) Chunked(
        IChunkedLogProbKernels kernels, float[] logits, int[] labels, int tokens, int vocab, int tokenChunk,
        int vocabChunk, float temp, bool reverse)
    {
        var state = Fold(kernels, logits, labels, tokens, vocab, tokenChunk, vocabChunk, temp, reverse);
        var h = new float[tokens];
        var lp = new float[tokens];
        state.Finish(h, lp);
        return (h, lp);
    }

    private static (float[] H, float[] Lp) Full(float[] logits, int[] labels, int tokens, int vocab, float temp)
    {
        var h = new float[tokens];
        var lp = new float[tokens];
        s_full.Forward(logits, labels, tokens, vocab, temp, h, lp);
        return (h, lp);
    }

    private static bool Close(float[] a, float[] b, double tol) =>
        a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= tol * Math.Max(1.0, Math.Abs(p.Second)));
}
