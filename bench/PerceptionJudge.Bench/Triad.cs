using System.Numerics.Tensors;

namespace PerceptionJudge.Bench;

/// <summary>
/// The memory-bandwidth reference: STREAM triad <c>a[i] = b[i] + s·c[i]</c> (12 bytes moved per element),
/// split in fixed chunks across the same thread count the kernels use. A kernel moving the same bytes at the
/// same speed has ratio 1.0 against it: that is the roofline for a bandwidth-bound kernel.
/// </summary>
public static class Triad
{
    public static void Run(float[] a, float[] b, float[] c, float s)
    {
        const int chunk = 1 << 16;
        int chunks = (a.Length + chunk - 1) / chunk;
        Parallel.For(0, chunks, k =>
        {
            int start = k * chunk;
            int len = Math.Min(chunk, a.Length - start);
            TensorPrimitives.MultiplyAdd(c.AsSpan(start, len), s, b.AsSpan(start, len), a.AsSpan(start, len));
        });
    }
}
