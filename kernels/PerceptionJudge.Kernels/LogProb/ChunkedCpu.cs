using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Fast CPU <see cref="IChunkedLogProbKernels"/>: each block row goes through the same SIMD row kernels as
/// <see cref="LogProbCpu"/> (<c>LogProbRows.Stats</c> for the piece's max, ln S and W/S in float;
/// <c>LogProbRows.Grad</c> with the state's final statistics), and the piece is merged into the state in double.
/// Block rows run in parallel in fixed row chunks; each row's result depends only on that row, so the bits never
/// depend on the thread count. The block is checked for NaN/Inf row by row while it is hot in cache.
/// </summary>
public sealed class ChunkedLogProbCpu : IChunkedLogProbKernels
{
    /// <inheritdoc />
    public unsafe void Accumulate(
        ReadOnlySpan<float> logits, int firstToken, int tokens, int firstColumn, int columns, LogSumExpState state)
    {
        state.CheckBlock(logits.Length, firstToken, tokens, firstColumn, columns);
        state.CheckRoomFor(firstToken, tokens, columns);
        float invT = 1f / state.Temperature;
        int firstBad = int.MaxValue;
        fixed (float* pX = logits)
        {
            nint x = (nint)pX;
            RowChunks.For(tokens, columns, (start, end) =>
            {
                var block = new ReadOnlySpan<float>((float*)x, tokens * columns);
                for (int t = start; t < end; t++)
                {
                    var row = block.Slice(t * columns, columns);
                    if (Guard.FirstNonFinite(row) >= 0)
                    {
                        RowChunks.MarkBad(ref firstBad, t);
                        continue;
                    }

                    var st = LogProbRows.Stats(row, invT);
                    double sum = Math.Exp(st.LogSum);
                    var piece = new OnlineLogSumExp(st.Max, sum, st.MeanRel * sum);
                    state.Fold(firstToken + t, piece, firstColumn, columns, row);
                }
            });
        }

        if (firstBad != int.MaxValue)
        {
            throw ChunkedChecks.NonFinite(logits, firstBad, firstToken, firstColumn, columns);
        }
    }

    /// <inheritdoc />
    public unsafe void Backward(
        ReadOnlySpan<float> logits,
        int firstToken,
        int tokens,
        int firstColumn,
        int columns,
        LogSumExpState state,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits)
    {
        ChunkedLogProbKernels.CheckBackward(
            logits.Length, firstToken, tokens, firstColumn, columns, state, gradEntropy, gradLogProb,
            gradLogits.Length);
        float invT = 1f / state.Temperature;
        bool hasH = gradEntropy.Length > 0, hasL = gradLogProb.Length > 0;
        int firstBad = int.MaxValue;
        fixed (float* pX = logits)
        fixed (float* pGh = gradEntropy)
        fixed (float* pGl = gradLogProb)
        fixed (float* pG = gradLogits)
        {
            nint x = (nint)pX, gh = (nint)pGh, gl = (nint)pGl, g = (nint)pG;
            RowChunks.For(tokens, columns, (start, end) =>
            {
                var block = new ReadOnlySpan<float>((float*)x, tokens * columns);
                var grad = new Span<float>((float*)g, tokens * columns);
                for (int t = start; t < end; t++)
                {
                    var row = block.Slice(t * columns, columns);
                    if (Guard.FirstNonFinite(row) >= 0)
                    {
                        RowChunks.MarkBad(ref firstBad, t);
                        continue;
                    }

                    int token = firstToken + t;
                    var st = state.Row(token);
                    var stats = new RowStats(st.Max, (float)st.LogSum, (float)st.MeanRel);
                    float dH = hasH ? ((float*)gh)[token] : 0f;
                    float dL = hasL ? ((float*)gl)[token] : 0f;
                    int local = hasL ? state.Label(token) - firstColumn : -1;
                    int label = (uint)local < (uint)columns ? local : -1;
                    // In place is safe: Grad reads each element before it writes the same index.
                    LogProbRows.Grad(row, stats, invT, dH, dL, label, grad.Slice(t * columns, columns));
                }
            });
        }

        if (firstBad != int.MaxValue)
        {
            throw ChunkedChecks.NonFinite(logits, firstBad, firstToken, firstColumn, columns);
        }
    }
}
