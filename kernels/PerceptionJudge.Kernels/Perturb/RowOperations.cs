using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// One row of an image operation (ImageSharp's <c>IRowOperation</c> shape): a row writes only its pixels.
/// </summary>
internal interface IRowOperation
{
    void Invoke(int row);
}

/// <summary>
/// Runs rows of a <see cref="IRowOperation"/> in fixed chunks: serially when rows·work is below
/// <see cref="Partition.SerialThreshold"/>, else in parallel. Rows are independent, so results never depend on
/// the thread count.
/// </summary>
internal static class RowRunner
{
    public static void For<T>(int rows, long workPerRow, T op)
        where T : struct, IRowOperation
    {
        if (rows * workPerRow < Partition.SerialThreshold || rows == 1 || Environment.ProcessorCount == 1)
        {
            for (int r = 0; r < rows; r++)
            {
                op.Invoke(r);
            }

            return;
        }

        int per = (int)Math.Clamp(32_768 / Math.Max(1, workPerRow), 1, rows);
        int chunks = (rows + per - 1) / per;
        Parallel.For(0, chunks, k =>
        {
            int end = Math.Min(rows, (k + 1) * per);
            for (int r = k * per; r < end; r++)
            {
                op.Invoke(r);
            }
        });
    }
}

internal readonly unsafe struct SaltPepperRows(float* img, ImageShape s, float amount, ulong seed) : IRowOperation
{
    public void Invoke(int row) => PixelMath.SaltPepperRow(img, s, row, amount, seed);
}

internal readonly unsafe struct HueRows(float* img, ImageShape s, byte* mask, float* m) : IRowOperation
{
    public void Invoke(int row) => PixelMath.HueRow(img, s.Plane, s.Width, row, mask, m);
}

internal readonly unsafe struct RecolourRows(float* img, ImageShape s, byte* mask, Rgb target, float l0)
    : IRowOperation
{
    public void Invoke(int row) => PixelMath.RecolourRow(img, s.Plane, s.Width, row, mask, target, l0);
}

internal readonly unsafe struct JacobiRows(float* img, ImageShape s, byte* mask, PixelRect box, float* prev)
    : IRowOperation
{
    public void Invoke(int row) => Inpaint.JacobiRow(img, s, mask, box, prev, box.Y + row);
}

internal readonly unsafe struct PasteRows(float* src, float* dst, ImageShape s, byte* mask, PixelRect from,
    PixelRect to, int y0) : IRowOperation
{
    public void Invoke(int row) => PixelMath.PasteRow(src, dst, s, mask, from, to, y0 + row);
}

internal readonly unsafe struct AffineRows(float* src, float* dst, ImageShape s, AffineTransform t, float* inv)
    : IRowOperation
{
    public void Invoke(int row) => PixelMath.AffineRow(src, dst, s, t, inv, row);
}

internal readonly unsafe struct JpegRows(float* img, ImageShape s, double[] lumaQ, double[] chromaQ) : IRowOperation
{
    public void Invoke(int row) => Jpeg.BlockRow(img, s, row, lumaQ, chromaQ);
}
