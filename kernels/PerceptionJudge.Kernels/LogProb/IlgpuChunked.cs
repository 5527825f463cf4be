using ILGPU;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// <see cref="IChunkedLogProbKernels"/> as ILGPU kernels on an <see cref="IlgpuContext"/>, with
/// <see cref="ChunkedLogProbReference"/>'s arithmetic. <see cref="Accumulate"/>: <see cref="BlockRow"/> runs one
/// thread per block row with <see cref="OnlineLogSumExp.Of"/>'s two passes (float max, then Σ e^d and Σ e^d·d in
/// double, <c>d = (x − m)/T</c>); the host merges each piece into the <see cref="LogSumExpState"/> in double (the
/// same <c>Fold</c> as every backend: the state lives on the host between blocks). <see cref="Backward"/>: the host
/// reads each row's final statistics and upstream gradients from the state, and <see cref="GradElement"/> writes
/// <c>dL/dx = (gL·(1[j = y] − p) + gH·(−p(z − μ))) / T</c> in double, one thread per logit. Checks run on the host
/// first with the other backends' errors. Buffers come from the context's pool.
/// </summary>
public sealed class ChunkedLogProbIlgpu : IChunkedLogProbKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public ChunkedLogProbIlgpu(IlgpuContext? context = null) => _context = context;

    /// <inheritdoc />
    public void Accumulate(
        ReadOnlySpan<float> logits, int firstToken, int tokens, int firstColumn, int columns, LogSumExpState state)
    {
        state.CheckBlock(logits.Length, firstToken, tokens, firstColumn, columns);
        state.CheckRoomFor(firstToken, tokens, columns);
        ChunkedChecks.Finite(logits, firstToken, firstColumn, columns);
        if (tokens == 0)
        {
            return;
        }

        var context = _context ?? IlgpuRuntime.Shared;
        var (max, sum, weighted) = (new float[tokens], new double[tokens], new double[tokens]);
        lock (context.Gate)
        {
            var args = new BlockArgs(context.Upload("chunked.x", logits), columns, 1.0 / state.Temperature,
                context.Buffer<float>("chunked.max", tokens), context.Buffer<double>("chunked.sum", tokens),
                context.Buffer<double>("chunked.weighted", tokens));
            context.Kernel<BlockArgs>(BlockRow)(tokens, args);
            context.Download(args.Max, max);
            context.Download(args.Sum, sum);
            context.Download(args.Weighted, weighted);
        }

        for (int t = 0; t < tokens; t++)
        {
            var piece = new OnlineLogSumExp(max[t], sum[t], weighted[t]);
            state.Fold(firstToken + t, piece, firstColumn, columns, logits.Slice(t * columns, columns));
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
        if (tokens == 0)
        {
            return;
        }

        double temp = state.Temperature;
        var rows = new double[5 * tokens];
        var labels = new int[tokens];
        for (int t = 0; t < tokens; t++)
        {
            int token = firstToken + t;
            var st = state.Row(token);
            double m = st.Max / temp;
            (rows[5 * t], rows[5 * t + 1], rows[5 * t + 2]) = (m, st.LogSum, m + st.MeanRel);
            rows[5 * t + 3] = gradEntropy.Length > 0 ? gradEntropy[token] : 0.0;
            rows[5 * t + 4] = gradLogProb.Length > 0 ? gradLogProb[token] : 0.0;
            labels[t] = gradLogProb.Length > 0 ? state.Label(token) - firstColumn : -1;
        }

        var context = _context ?? IlgpuRuntime.Shared;
        lock (context.Gate)
        {
            var args = new GradArgs(context.Upload("chunked.x", logits), columns, temp,
                context.Upload<double>("chunked.rows", rows), context.Upload<int>("chunked.labels", labels),
                context.Buffer<float>("chunked.grad", gradLogits.Length));
            context.Kernel<GradArgs>(GradElement)(gradLogits.Length, args);
            context.Download(args.Grad, gradLogits);
        }
    }

    /// <summary>One thread per block row: <see cref="OnlineLogSumExp.Of"/> of its columns (float max m, then
    /// <c>Σ e^d</c> and <c>Σ e^d·d</c> with <c>d = (x − m)·(1/T)</c> in double, column order).</summary>
    internal static void BlockRow(Index1D t, BlockArgs a)
    {
        long row = (long)t.X * a.Columns;
        float m = float.NegativeInfinity;
        for (int j = 0; j < a.Columns; j++)
        {
            m = MathF.Max(m, a.X[row + j]);
        }

        double s = 0.0, w = 0.0;
        for (int j = 0; j < a.Columns; j++)
        {
            double d = (a.X[row + j] - (double)m) * a.InvT;
            double e = Math.Exp(d);
            s += e;
            w += e * d;
        }

        a.Max[t] = m;
        a.Sum[t] = s;
        a.Weighted[t] = w;
    }

    /// <summary>One thread per logit (t, j): <c>p = e^{z − m − ln S}</c>, <c>dL/dx = (gH·(−p(z − μ)) +
    /// gL·(1[j = y] − p)) / T</c> from row t's (m/T, ln S, μ, gH, gL) and local label.</summary>
    internal static void GradElement(Index1D k, GradArgs a)
    {
        int t = (int)(k / a.Columns), j = (int)(k % a.Columns);
        double m = a.Rows[5 * t], logS = a.Rows[5 * t + 1], mean = a.Rows[5 * t + 2];
        double gH = a.Rows[5 * t + 3], gL = a.Rows[5 * t + 4];
        double z = a.X[k] / a.Temperature;
        double p = Math.Exp(z - m - logS);
        double dH = -p * (z - mean);
        double dL = (j == a.Labels[t] ? 1.0 : 0.0) - p;
        a.Grad[k] = (float)((gH * dH + gL * dL) / a.Temperature);
    }

    /// <summary>The block [tokens][columns], 1/T and each row's piece (max, S, W) out.</summary>
    internal readonly record struct BlockArgs(
        ArrayView<float> X, int Columns, double InvT, ArrayView<float> Max, ArrayView<double> Sum,
        ArrayView<double> Weighted);

    /// <summary>The block, T, five doubles per row (m/T, ln S, μ, gH, gL), each row's local label (−1: none) and
    /// dL/dx out.</summary>
    internal readonly record struct GradArgs(
        ArrayView<float> X, int Columns, double Temperature, ArrayView<double> Rows, ArrayView<int> Labels,
        ArrayView<float> Grad);
}
