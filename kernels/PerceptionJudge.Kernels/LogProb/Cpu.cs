using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Fast CPU implementation of <see cref="ILogProbKernels"/>: one streaming online-log-sum-exp pass per row
/// (<see cref="LogProbRows"/>), Vector512/Vector256 with a vectorised exp, rows in parallel in fixed row chunks.
/// Each row's result depends only on that row, so the bits never depend on the thread count.
/// NaN/Inf logits are detected inside the pass (they make S or W non-finite), so a clean input costs no extra read.
/// </summary>
public sealed class LogProbCpu : ILogProbKernels
{
    /// <inheritdoc />
    public unsafe void Forward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        Span<float> entropy,
        Span<float> logProb)
    {
        LogProbChecks.Forward(logits, labels, tokens, vocab, temperature, entropy, logProb);
        float invT = 1f / temperature;
        bool wantH = entropy.Length > 0, wantL = logProb.Length > 0;
        int firstBad = int.MaxValue;
        fixed (float* pX = logits)
        fixed (int* pLab = labels)
        fixed (float* pH = entropy)
        fixed (float* pL = logProb)
        {
            nint x = (nint)pX, lab = (nint)pLab, h = (nint)pH, l = (nint)pL;
            RowChunks.For(tokens, vocab, (start, end) =>
            {
                var all = new ReadOnlySpan<float>((float*)x, tokens * vocab);
                for (int t = start; t < end; t++)
                {
                    var row = all.Slice(t * vocab, vocab);
                    var st = LogProbRows.Stats(row, invT);
                    if (!st.IsFinite)
                    {
                        RowChunks.MarkBad(ref firstBad, t);
                        continue;
                    }

                    if (wantH)
                    {
                        ((float*)h)[t] = st.Entropy;
                    }

                    if (wantL)
                    {
                        ((float*)l)[t] = (row[((int*)lab)[t]] - st.Max) * invT - st.LogSum;
                    }
                }
            });
        }

        if (firstBad != int.MaxValue)
        {
            throw LogProbChecks.NonFiniteRow(logits, firstBad, vocab);
        }
    }

    /// <inheritdoc />
    public unsafe void Backward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits)
    {
        LogProbChecks.Backward(logits, labels, tokens, vocab, temperature, gradEntropy, gradLogProb, gradLogits);
        float invT = 1f / temperature;
        bool hasH = gradEntropy.Length > 0, hasL = gradLogProb.Length > 0;
        int firstBad = int.MaxValue;
        fixed (float* pX = logits)
        fixed (int* pLab = labels)
        fixed (float* pGh = gradEntropy)
        fixed (float* pGl = gradLogProb)
        fixed (float* pG = gradLogits)
        {
            nint x = (nint)pX, lab = (nint)pLab, gh = (nint)pGh, gl = (nint)pGl, g = (nint)pG;
            RowChunks.For(tokens, vocab, (start, end) =>
            {
                var all = new ReadOnlySpan<float>((float*)x, tokens * vocab);
                var grad = new Span<float>((float*)g, tokens * vocab);
                for (int t = start; t < end; t++)
                {
                    var row = all.Slice(t * vocab, vocab);
                    var st = LogProbRows.Stats(row, invT);
                    if (!st.IsFinite)
                    {
                        RowChunks.MarkBad(ref firstBad, t);
                        continue;
                    }

                    float dH = hasH ? ((float*)gh)[t] : 0f;
                    float dL = hasL ? ((float*)gl)[t] : 0f;
                    int label = hasL ? ((int*)lab)[t] : -1;
                    LogProbRows.Grad(row, st, invT, dH, dL, label, grad.Slice(t * vocab, vocab));
                }
            });
        }

        if (firstBad != int.MaxValue)
        {
            throw LogProbChecks.NonFiniteRow(logits, firstBad, vocab);
        }
    }
}

/// <summary>
/// Rows in fixed chunks of about 64 Ki elements, in parallel once the matrix reaches
/// <see cref="Partition.SerialThreshold"/> elements (Partition.For counts elements, not rows, hence this helper).
/// </summary>
internal static class RowChunks
{
    private const int ElementsPerChunk = 1 << 16;

    public static void For(int rows, int cols, Action<int, int> body)
    {
        int rowsPerChunk = Math.Max(1, ElementsPerChunk / cols);
        int chunks = Partition.ChunkCount(rows, rowsPerChunk);
        if ((long)rows * cols < Partition.SerialThreshold || chunks <= 1 || Environment.ProcessorCount == 1)
        {
            body(0, rows);
            return;
        }

        Parallel.For(0, chunks, c => body(c * rowsPerChunk, Math.Min(rows, (c + 1) * rowsPerChunk)));
    }

    /// <summary>Keeps the lowest bad row (integer min, so the reported row is the same on every run).</summary>
    public static void MarkBad(ref int firstBad, int row)
    {
        int seen = Volatile.Read(ref firstBad);
        while (row < seen)
        {
            int prior = Interlocked.CompareExchange(ref firstBad, row, seen);
            if (prior == seen)
            {
                return;
            }

            seen = prior;
        }
    }
}
