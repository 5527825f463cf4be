using ILGPU;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// verl v0.6.0 <c>agg_loss</c> (every <see cref="AggMode"/>, formulas in <see cref="LossAggReference"/>) as ILGPU
/// kernels on an <see cref="IlgpuContext"/>: <see cref="Rows"/> (one thread per row: Σ_t m·x and Σ_t m in double,
/// in column order), <see cref="Finish"/> (one thread: <see cref="AggMath.Finish{TRows}"/> itself over the row sums,
/// rows in order, giving the loss and s_i) and, when the gradient is asked for, <see cref="Scale"/> (one thread per
/// element: <c>(float)(s_i · m)</c>, times d x / d θ when the policy losses chain it). Every sum has the reference's
/// order and precision, so the loss and gradient are the reference's bits and a rerun repeats them. The policy-loss
/// kernels reuse these three for their aggregation.
/// </summary>
public sealed class LossAggIlgpu : ILossAggKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public LossAggIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The aggregation modes this backend runs as ILGPU kernels (all of them).</summary>
    public static IReadOnlyList<string> Ported => LossAggVulkan.Ported;

    /// <inheritdoc />
    public float Aggregate(
        AggMode mode, ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols,
        Span<float> gradLossMat, float? lossScaleFactor = null)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        lock (context.Gate)
        {
            var args = Run(context, "agg", context.Upload("agg.x", lossMat), context.Upload("agg.mask", lossMask),
                default, rows, cols, mode, lossScaleFactor ?? cols, gradLossMat.Length);
            var result = new double[1];
            context.Download(args.Result, result);
            context.Download(args.Grad, gradLossMat);
            return (float)result[0];
        }
    }

    /// <summary>
    /// Launches rows → finish → (scale, when <paramref name="gradLength"/> &gt; 0) over device views
    /// <paramref name="x"/> and <paramref name="mask"/>; <paramref name="dxdTheta"/>, when not empty, multiplies the
    /// gradient (the chain rule of the policy losses). Buffers come from pool slots named after
    /// <paramref name="slot"/>; the returned arguments hold the loss (<c>Result[0]</c>), s_i and the gradient.
    /// </summary>
    internal static AggArgs Run(
        IlgpuContext context, string slot, ArrayView<float> x, ArrayView<float> mask, ArrayView<float> dxdTheta,
        int rows, int cols, AggMode mode, double divisor, int gradLength)
    {
        var args = new AggArgs(x, mask, cols, context.Buffer<double>($"{slot}.rowLoss", rows),
            context.Buffer<double>($"{slot}.rowMask", rows), context.Buffer<double>($"{slot}.rowScale", rows),
            context.Buffer<double>($"{slot}.result", 1), (int)mode, divisor, dxdTheta, dxdTheta.Length > 0 ? 1 : 0,
            context.Buffer<float>($"{slot}.grad", gradLength));
        context.Kernel<AggArgs>(Rows)(rows, args);
        context.Kernel<AggArgs>(Finish)(1, args);
        context.Kernel<AggArgs>(Scale)(gradLength, args);
        return args;
    }

    /// <summary>One thread per row i: <c>Σ_t (double)x·m</c> and <c>Σ_t m</c>, in column order.</summary>
    internal static void Rows(Index1D i, AggArgs a)
    {
        double loss = 0, mask = 0;
        for (int t = 0; t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            loss += (double)a.X[k] * a.Mask[k];
            mask += a.Mask[k];
        }

        a.RowLoss[i] = loss;
        a.RowMask[i] = mask;
    }

    /// <summary>One thread: the loss of <see cref="AggMath.Finish{TRows}"/> into <c>Result[0]</c>, s_i per row.
    /// </summary>
    internal static void Finish(Index1D unused, AggArgs a) =>
        a.Result[0] = AggMath.Finish((AggMode)a.Mode, new ViewRows(a.RowLoss, a.RowMask, a.RowScale), a.Divisor);

    /// <summary>One thread per element: <c>grad = (float)(s_i · m)</c>, times d x / d θ when chained.</summary>
    internal static void Scale(Index1D k, AggArgs a)
    {
        float g = (float)(a.RowScale[k / a.Cols] * a.Mask[k]);
        a.Grad[k] = a.Chain != 0 ? g * a.DxdTheta[k] : g;
    }

    /// <summary>The aggregation's views and scalars: x and mask [rows][cols], the row sums, s_i, the loss, the mode,
    /// the sum-norm divisor, an optional d x / d θ and the gradient out.</summary>
    internal readonly record struct AggArgs(
        ArrayView<float> X, ArrayView<float> Mask, int Cols, ArrayView<double> RowLoss, ArrayView<double> RowMask,
        ArrayView<double> RowScale, ArrayView<double> Result, int Mode, double Divisor, ArrayView<float> DxdTheta,
        int Chain, ArrayView<float> Grad);

    /// <summary>The row sums as device views, for <see cref="AggMath.Finish{TRows}"/>.</summary>
    private readonly record struct ViewRows(
        ArrayView<double> RowLoss, ArrayView<double> RowMask, ArrayView<double> RowScale) : AggMath.IRowSums
    {
        public int Count => RowLoss.IntLength;

        public double Loss(int i) => RowLoss[i];

        public double Mask(int i) => RowMask[i];

        public void SetScale(int i, double scale) => RowScale[i] = scale;
    }
}
