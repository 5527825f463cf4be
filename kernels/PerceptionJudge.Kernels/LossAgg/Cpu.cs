using System.Numerics.Tensors;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// Fast <c>agg_loss</c>: per-row Σ m·x and Σ m with SIMD dot products (float lanes, one row at a time), rows
/// in parallel chunks; the per-row sums are combined in row order in double (<see cref="AggMath"/>), so the result
/// does not depend on the thread count. The gradient is one scaled copy of the mask per row.
/// </summary>
public sealed class LossAggCpu : ILossAggKernels
{
    /// <inheritdoc />
    public float Aggregate(
        AggMode mode, ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols,
        Span<float> gradLossMat, float? lossScaleFactor = null)
    {
        var rowLoss = new double[rows];
        var rowMask = new double[rows];
        RowSums(lossMat, lossMask, rows, cols, rowLoss, rowMask);
        var rowScale = new double[rows];
        double loss = AggMath.Finish(mode, rowLoss, rowMask, lossScaleFactor ?? cols, rowScale);
        if (!gradLossMat.IsEmpty)
        {
            ScaleRows(lossMask, rowScale, cols, gradLossMat);
        }

        return (float)loss;
    }

    /// <summary>rowLoss[i] = Σ_t x·m, rowMask[i] = Σ_t m, one SIMD pass per row, rows in parallel chunks.</summary>
    internal static unsafe void RowSums(
        ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols, double[] rowLoss,
        double[] rowMask)
    {
        fixed (float* x = lossMat, m = lossMask)
        {
            float* xp = x, mp = m;
            int rowsPerChunk = RowsPerChunk(cols);
            Partition.For(rows * cols, rowsPerChunk * cols, (_, start, end) =>
            {
                for (int i = start / cols; i < end / cols; i++)
                {
                    var xr = new ReadOnlySpan<float>(xp + (long)i * cols, cols);
                    var mr = new ReadOnlySpan<float>(mp + (long)i * cols, cols);
                    rowLoss[i] = TensorPrimitives.Dot(xr, mr);
                    rowMask[i] = TensorPrimitives.Sum(mr);
                }
            });
        }
    }

    /// <summary>grad[i,t] = s_i · m[i,t].</summary>
    internal static unsafe void ScaleRows(ReadOnlySpan<float> mask, double[] rowScale, int cols, Span<float> grad)
    {
        int rows = rowScale.Length;
        fixed (float* m = mask, g = grad)
        {
            float* mp = m, gp = g;
            Partition.For(rows * cols, RowsPerChunk(cols) * cols, (_, start, end) =>
            {
                for (int i = start / cols; i < end / cols; i++)
                {
                    TensorPrimitives.Multiply(
                        new ReadOnlySpan<float>(mp + (long)i * cols, cols), (float)rowScale[i],
                        new Span<float>(gp + (long)i * cols, cols));
                }
            });
        }
    }

    /// <summary>Whole rows per chunk, about 32k elements: big enough to amortise a hand-off.</summary>
    internal static int RowsPerChunk(int cols) => Math.Max(1, (1 << 15) / cols);
}
