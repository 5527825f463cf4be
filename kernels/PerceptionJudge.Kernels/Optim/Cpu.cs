using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// Fused multi-tensor optimizer kernels. All tensors of a call are cut into one table of fixed chunks (a chunk never
/// spans two tensors), and the table runs through <see cref="Partition.For"/>, so many small LoRA tensors still
/// fill every core. The AdamW step is one pass per element: read p, g, m, v, write p, m, v (28 bytes). Sums of
/// squares accumulate in double per chunk; chunk partials are added per tensor in chunk order (deterministic).
/// </summary>
public sealed class OptimCpu : IOptimKernels
{
    private const int Chunk = 1 << 15;

    /// <inheritdoc />
    public void SumSquares(ReadOnlySpan<ReadOnlyMemory<float>> tensors, Span<double> sumSquares)
    {
        var lengths = new int[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            lengths[i] = tensors[i].Length;
        }

        var table = ChunkTable.Build(lengths);
        var list = tensors.ToArray();
        var partial = new double[table.Count];
        table.Run((c, tensor, start, n) => partial[c] = SumSquares(list[tensor].Span.Slice(start, n)));
        sumSquares[..tensors.Length].Clear();
        for (int c = 0; c < table.Count; c++)
        {
            sumSquares[table.TensorOf(c)] += partial[c];
        }
    }

    /// <inheritdoc />
    public void Scale(ReadOnlySpan<Memory<float>> tensors, float factor)
    {
        var lengths = new int[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            lengths[i] = tensors[i].Length;
        }

        var list = tensors.ToArray();
        ChunkTable.Build(lengths).Run((_, tensor, start, n) =>
        {
            var x = list[tensor].Span.Slice(start, n);
            System.Numerics.Tensors.TensorPrimitives.Multiply(x, factor, x);
        });
    }

    /// <inheritdoc />
    public void AdamW(ReadOnlySpan<ParamSlot> slots, AdamWOptions options, int step, double gradScale)
    {
        var k = Coefficients.From(options, step, gradScale);
        var lengths = new int[slots.Length];
        for (int i = 0; i < slots.Length; i++)
        {
            lengths[i] = slots[i].Param.Length;
        }

        var list = slots.ToArray();
        ChunkTable.Build(lengths).Run((_, tensor, start, n) =>
        {
            var s = list[tensor];
            Update(
                s.Param.Span.Slice(start, n), s.Grad.Span.Slice(start, n), s.ExpAvg.Span.Slice(start, n),
                s.ExpAvgSq.Span.Slice(start, n), k);
        });
    }

    /// <summary>Σ x² in double: float lanes widened to double lanes, four accumulators, then the tail.</summary>
    internal static double SumSquares(ReadOnlySpan<float> x)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        int i = 0;
        double tail = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= x.Length - 16; i += 16)
            {
                var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)i));
                var (l1, h1) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)i + 8));
                a0 = Vector256.FusedMultiplyAdd(l0, l0, a0);
                a1 = Vector256.FusedMultiplyAdd(h0, h0, a1);
                a2 = Vector256.FusedMultiplyAdd(l1, l1, a2);
                a3 = Vector256.FusedMultiplyAdd(h1, h1, a3);
            }

            tail = Vector256.Sum((a0 + a1) + (a2 + a3));
        }

        for (; i < x.Length; i++)
        {
            double v = Unsafe.Add(ref xs, i);
            tail += v * v;
        }

        return tail;
    }

    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in Coefficients k)
    {
        ref float ps = ref MemoryMarshal.GetReference(p);
        ref float gs = ref MemoryMarshal.GetReference(g);
        ref float ms = ref MemoryMarshal.GetReference(m);
        ref float vs = ref MemoryMarshal.GetReference(v);
        int n = p.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var (scale, decay, b1, c1, b2, c2) = (Vector512.Create(k.GradScale), Vector512.Create(k.Decay),
                Vector512.Create(k.Beta1), Vector512.Create(k.OneMinusBeta1), Vector512.Create(k.Beta2),
                Vector512.Create(k.OneMinusBeta2));
            var (stepSize, bc2Sqrt, eps) = (Vector512.Create(k.StepSize), Vector512.Create(k.Bc2Sqrt),
                Vector512.Create(k.Eps));
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref gs, (nuint)i) * scale;
                var mi = Vector512.FusedMultiplyAdd(b1, Vector512.LoadUnsafe(ref ms, (nuint)i), c1 * gi);
                var vi = Vector512.FusedMultiplyAdd(b2, Vector512.LoadUnsafe(ref vs, (nuint)i), c2 * gi * gi);
                var pi = Vector512.LoadUnsafe(ref ps, (nuint)i) * decay;
                var denom = Vector512.Sqrt(vi) / bc2Sqrt + eps;
                (pi - stepSize * mi / denom).StoreUnsafe(ref ps, (nuint)i);
                mi.StoreUnsafe(ref ms, (nuint)i);
                vi.StoreUnsafe(ref vs, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var (scale, decay, b1, c1, b2, c2) = (Vector256.Create(k.GradScale), Vector256.Create(k.Decay),
                Vector256.Create(k.Beta1), Vector256.Create(k.OneMinusBeta1), Vector256.Create(k.Beta2),
                Vector256.Create(k.OneMinusBeta2));
            var (stepSize, bc2Sqrt, eps) = (Vector256.Create(k.StepSize), Vector256.Create(k.Bc2Sqrt),
                Vector256.Create(k.Eps));
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref gs, (nuint)i) * scale;
                var mi = Vector256.FusedMultiplyAdd(b1, Vector256.LoadUnsafe(ref ms, (nuint)i), c1 * gi);
                var vi = Vector256.FusedMultiplyAdd(b2, Vector256.LoadUnsafe(ref vs, (nuint)i), c2 * gi * gi);
                var pi = Vector256.LoadUnsafe(ref ps, (nuint)i) * decay;
                var denom = Vector256.Sqrt(vi) / bc2Sqrt + eps;
                (pi - stepSize * mi / denom).StoreUnsafe(ref ps, (nuint)i);
                mi.StoreUnsafe(ref ms, (nuint)i);
                vi.StoreUnsafe(ref vs, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref gs, i) * k.GradScale;
            float mi = MathF.FusedMultiplyAdd(k.Beta1, Unsafe.Add(ref ms, i), k.OneMinusBeta1 * gi);
            float vi = MathF.FusedMultiplyAdd(k.Beta2, Unsafe.Add(ref vs, i), k.OneMinusBeta2 * gi * gi);
            float pi = Unsafe.Add(ref ps, i) * k.Decay;
            Unsafe.Add(ref ps, i) = pi - k.StepSize * mi / (MathF.Sqrt(vi) / k.Bc2Sqrt + k.Eps);
            Unsafe.Add(ref ms, i) = mi;
            Unsafe.Add(ref vs, i) = vi;
        }
    }

    /// <summary>Float coefficients of one step, derived in double as torch derives its Python-float scalars.</summary>
    private readonly record struct Coefficients(
        float GradScale, float Decay, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float StepSize, float Bc2Sqrt, float Eps)
    {
        public static Coefficients From(AdamWOptions o, int step, double gradScale)
        {
            double bc1 = 1 - Math.Pow(o.Beta1, step), bc2 = 1 - Math.Pow(o.Beta2, step);
            return new Coefficients(
                (float)gradScale, (float)(1 - o.Lr * o.WeightDecay), (float)o.Beta1, (float)(1 - o.Beta1),
                (float)o.Beta2, (float)(1 - o.Beta2), (float)(o.Lr / bc1), (float)Math.Sqrt(bc2), (float)o.Eps);
        }
    }

    /// <summary>Fixed chunks over a list of tensors: chunk c covers tensor TensorOf(c) from Start(c).</summary>
    private readonly struct ChunkTable
    {
        private readonly int[] _tensor;
        private readonly int[] _start;
        private readonly int[] _length;

        private ChunkTable(int[] tensor, int[] start, int[] length) =>
            (_tensor, _start, _length) = (tensor, start, length);

        public int Count => _tensor.Length;

        public int TensorOf(int c) => _tensor[c];

        public static ChunkTable Build(int[] lengths)
        {
            int count = 0;
            foreach (int n in lengths)
            {
                count += Partition.ChunkCount(n, Chunk);
            }

            var (tensor, start, length) = (new int[count], new int[count], new int[count]);
            int c = 0;
            for (int t = 0; t < lengths.Length; t++)
            {
                for (int s = 0; s < lengths[t]; s += Chunk, c++)
                {
                    (tensor[c], start[c], length[c]) = (t, s, Math.Min(Chunk, lengths[t] - s));
                }
            }

            return new ChunkTable(tensor, start, length);
        }

        /// <summary>Runs body(chunk, tensor, start, length), in parallel above the serial threshold.</summary>
        public void Run(Action<int, int, int, int> body)
        {
            var (tensor, start, length) = (_tensor, _start, _length);
            long virtualLength = (long)Count * Chunk;
            if (virtualLength > int.MaxValue)
            {
                Parallel.For(0, Count, c => body(c, tensor[c], start[c], length[c]));
                return;
            }

            Partition.For((int)virtualLength, Chunk, (c, _, _) => body(c, tensor[c], start[c], length[c]));
        }
    }
}
