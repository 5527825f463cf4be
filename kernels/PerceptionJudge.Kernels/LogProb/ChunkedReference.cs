using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// The specification of <see cref="IChunkedLogProbKernels"/>: per block row, <see cref="OnlineLogSumExp.Of"/> in
/// double, merged into the state; the backward is the formula of the interface evaluated in double per element.
/// </summary>
public sealed class ChunkedLogProbReference : IChunkedLogProbKernels
{
    /// <inheritdoc />
    public void Accumulate(
        ReadOnlySpan<float> logits, int firstToken, int tokens, int firstColumn, int columns, LogSumExpState state)
    {
        state.CheckBlock(logits.Length, firstToken, tokens, firstColumn, columns);
        state.CheckRoomFor(firstToken, tokens, columns);
        ChunkedChecks.Finite(logits, firstToken, firstColumn, columns);
        for (int t = 0; t < tokens; t++)
        {
            var row = logits.Slice(t * columns, columns);
            state.Fold(firstToken + t, OnlineLogSumExp.Of(row, state.Temperature), firstColumn, columns, row);
        }
    }

    /// <inheritdoc />
    public void Backward(
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
        ChunkedChecks.Finite(logits, firstToken, firstColumn, columns);
        double temp = state.Temperature;
        for (int t = 0; t < tokens; t++)
        {
            int token = firstToken + t;
            var st = state.Row(token);
            double m = st.Max / temp, logS = st.LogSum, mean = m + st.MeanRel;
            double gH = gradEntropy.Length > 0 ? gradEntropy[token] : 0.0;
            double gL = gradLogProb.Length > 0 ? gradLogProb[token] : 0.0;
            int label = gradLogProb.Length > 0 ? state.Label(token) : -1;
            for (int j = 0; j < columns; j++)
            {
                int i = t * columns + j;
                double z = logits[i] / temp;
                double p = Math.Exp(z - m - logS);
                double dH = -p * (z - mean);
                double dL = (firstColumn + j == label ? 1.0 : 0.0) - p;
                gradLogits[i] = (float)((gH * dH + gL * dL) / temp);
            }
        }
    }
}

/// <summary>Checks shared by the chunked backends.</summary>
internal static class ChunkedChecks
{
    /// <summary>Throws at the first NaN/Inf of a block, naming the global token and vocabulary column.</summary>
    public static void Finite(ReadOnlySpan<float> logits, int firstToken, int firstColumn, int columns)
    {
        int bad = Guard.FirstNonFinite(logits);
        if (bad >= 0)
        {
            throw NonFinite(logits, bad / columns, firstToken, firstColumn, columns);
        }
    }

    /// <summary>The error for block row <paramref name="row"/>, naming its first non-finite column.</summary>
    public static KernelInputException NonFinite(
        ReadOnlySpan<float> logits, int row, int firstToken, int firstColumn, int columns)
    {
        var values = logits.Slice(row * columns, columns);
        int col = Math.Max(0, Guard.FirstNonFinite(values));
        return new KernelInputException(
            "logits", $"value {values[col]} at vocabulary column {firstColumn + col} is not finite", firstToken + row);
    }
}
