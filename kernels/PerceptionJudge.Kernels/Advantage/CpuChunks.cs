using System.Numerics.Tensors;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Deterministic chunked loops of the CPU advantage kernels. Items (rows or groups) are cut into chunks of about
/// <see cref="ChunkElements"/> elements, a size that depends only on the shapes; reductions keep one partial per
/// chunk and add them in chunk order. Parallel only when the whole batch reaches
/// <see cref="Partition.SerialThreshold"/> elements (a few rows of long responses still split).
/// </summary>
internal static unsafe class CpuChunks
{
    public const int ChunkElements = 1 << 16;

    /// <summary>Items per chunk, for <paramref name="count"/> items of <paramref name="elements"/> in all.</summary>
    public static int ChunkSize(int count, long elements)
    {
        long perItem = Math.Max(1, elements / Math.Max(1, count));
        return (int)Math.Clamp(ChunkElements / perItem, 1, Math.Max(1, count));
    }

    /// <summary>Runs <paramref name="body"/>(chunk, first, end) over fixed chunks of the items.</summary>
    public static void For(int count, long elements, Action<int, int, int> body)
    {
        int size = ChunkSize(count, elements);
        int chunks = Partition.ChunkCount(count, size);
        if (elements < Partition.SerialThreshold || chunks == 1 || Environment.ProcessorCount == 1)
        {
            for (int c = 0; c < chunks; c++)
            {
                body(c, c * size, Math.Min(count, (c + 1) * size));
            }

            return;
        }

        Parallel.For(0, chunks, c => body(c, c * size, Math.Min(count, (c + 1) * size)));
    }

    /// <summary><c>dest[i] = Σ_t x[i,t]</c> (TensorPrimitives.Sum per row: SIMD, fixed order).</summary>
    public static ReadOnlySpan<float> RowSums(ReadOnlySpan<float> x, int rows, int cols, Span<float> dest)
    {
        fixed (float* px = x, pd = dest)
        {
            var (ax, ad) = ((nint)px, (nint)pd);
            For(rows, (long)rows * cols, (_, start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    ((float*)ad)[i] = TensorPrimitives.Sum(new ReadOnlySpan<float>((float*)ax + (long)i * cols, cols));
                }
            });
        }

        return dest;
    }

    /// <summary><c>adv[t] = ret[t] = a · m[t]</c>: Vector512/Vector256 body, scalar tail.</summary>
    public static void ScaleRow(float* m, float a, float* adv, float* ret, int cols)
    {
        int t = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            for (; t <= cols - Vector512<float>.Count; t += Vector512<float>.Count)
            {
                var v = Vector512.Load(m + t) * va;
                v.Store(adv + t);
                v.Store(ret + t);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; t <= cols - Vector256<float>.Count; t += Vector256<float>.Count)
            {
                var v = Vector256.Load(m + t) * va;
                v.Store(adv + t);
                v.Store(ret + t);
            }
        }

        for (; t < cols; t++)
        {
            float v = a * m[t];
            adv[t] = v;
            ret[t] = v;
        }
    }

    /// <summary>REINFORCE++ return of one row, right to left: <c>G = r + γG; ret = G; G ← G·m</c> (double).</summary>
    public static void DiscountedReturn(float* r, float* m, float* ret, int cols, float gamma)
    {
        double running = 0;
        for (int t = cols - 1; t >= 0; t--)
        {
            running = r[t] + gamma * running;
            ret[t] = (float)running;
            running *= m[t];
        }
    }

    /// <summary>ReMax row: <c>ret[t] = Σ_{u≥t} r[u] m[u]</c> (double), <c>adv[t] = ret[t] − b·m[t]</c>.</summary>
    public static void ReverseCumSum(float* r, float* m, float b, float* adv, float* ret, int cols)
    {
        double suffix = 0;
        for (int t = cols - 1; t >= 0; t--)
        {
            suffix += (double)r[t] * m[t];
            ret[t] = (float)suffix;
            adv[t] = ret[t] - b * m[t];
        }
    }

    /// <summary>Number of exact zeros.</summary>
    public static int CountZeros(ReadOnlySpan<float> s)
    {
        int zeros = 0;
        foreach (float v in s)
        {
            zeros += v == 0 ? 1 : 0;
        }

        return zeros;
    }

    /// <summary>Unbiased std of <paramref name="x"/>: chunked two-pass in double, partials in chunk order.</summary>
    public static double Std(ReadOnlySpan<float> x)
    {
        double mean = Reduce(x, default, 0, &SumX) / x.Length;
        return Math.Sqrt(Reduce(x, default, mean, &SumSquaredDeviation) / (x.Length - 1));
    }

    /// <summary>
    /// verl <c>masked_whiten(x, m) · m</c> into <paramref name="y"/> (see <see cref="AdvantageReference"/>):
    /// chunked two-pass statistics in double, then the scaling pass.
    /// </summary>
    public static void Whiten(ReadOnlySpan<float> x, ReadOnlySpan<float> m, Span<float> y)
    {
        double n = Reduce(m, default, 0, &SumX);
        AdvantageChecks.MaskSum(n);
        double mean = Reduce(x, m, 0, &SumMasked) / (n + AdvantageChecks.MaskedMeanEpsilon);
        double m2 = Reduce(x, m, mean, &SumMaskedSquaredDeviation);
        double variance = m2 / (n + AdvantageChecks.MaskedMeanEpsilon) * (n / (n - 1));
        double scale = 1 / Math.Sqrt(variance + AdvantageChecks.WhitenEpsilon);
        fixed (float* px = x, pm = m, py = y)
        {
            var (ax, am, ay) = ((nint)px, (nint)pm, (nint)py);
            For(x.Length, x.Length, (_, start, end) =>
            {
                float* xs = (float*)ax, ms = (float*)am, ys = (float*)ay;
                for (int k = start; k < end; k++)
                {
                    ys[k] = (float)((xs[k] - mean) * scale) * ms[k];
                }
            });
        }
    }

    private static double SumX(float* x, float* m, int start, int end, double arg)
    {
        double acc = 0;
        for (int k = start; k < end; k++)
        {
            acc += x[k];
        }

        return acc;
    }

    private static double SumSquaredDeviation(float* x, float* m, int start, int end, double mean)
    {
        double acc = 0;
        for (int k = start; k < end; k++)
        {
            acc += (x[k] - mean) * (x[k] - mean);
        }

        return acc;
    }

    private static double SumMasked(float* x, float* m, int start, int end, double arg)
    {
        double acc = 0;
        for (int k = start; k < end; k++)
        {
            acc += (double)x[k] * m[k];
        }

        return acc;
    }

    private static double SumMaskedSquaredDeviation(float* x, float* m, int start, int end, double mean)
    {
        double acc = 0;
        for (int k = start; k < end; k++)
        {
            acc += (x[k] - mean) * (x[k] - mean) * m[k];
        }

        return acc;
    }

    /// <summary>Σ over fixed chunks of <c>part(x, m, start, end, arg)</c>, partials added in chunk order.</summary>
    private static double Reduce(
        ReadOnlySpan<float> x,
        ReadOnlySpan<float> m,
        double arg,
        delegate*<float*, float*, int, int, double, double> part)
    {
        int size = ChunkSize(x.Length, x.Length);
        var partials = new double[Partition.ChunkCount(x.Length, size)];
        fixed (float* px = x, pm = m)
        {
            var (ax, am, fn) = ((nint)px, (nint)pm, (nint)part);
            For(x.Length, x.Length, (c, start, end) =>
                partials[c] = ((delegate*<float*, float*, int, int, double, double>)fn)(
                    (float*)ax, (float*)am, start, end, arg));
        }

        double total = 0;
        foreach (double p in partials)
        {
            total += p;
        }

        return total;
    }
}
