using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Lora;

/// <summary>
/// Cache-blocked SIMD <c>W ← W + scale·B·A</c>. Rows of W are split in fixed chunks across threads
/// (<see cref="Partition.For"/>); inside a chunk, W is walked in column tiles of <see cref="TileCols"/> so the
/// [r][tile] slab of A stays in L2 while every row of the chunk reuses it. The micro-kernel holds a 4-row ×
/// 2-vector block of B·A in registers (8 independent FMA chains over k), then writes W once:
/// <c>w = fma(scale, acc, w)</c>. Each element sums k = 0..r−1 in order, so results do not depend on threads.
/// </summary>
public sealed class LoraCpu : ILoraKernels
{
    private const int TileCols = 512;
    private const int ChunkRows = 16;

    /// <inheritdoc />
    public unsafe void AddScaledProduct(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape, float scale,
        bool accumulate)
    {
        int inF = shape.InFeatures;
        fixed (float* w = weight, a = loraA, b = loraB)
        {
            var job = new Job(w, a, b, shape, scale, accumulate);
            long rowsPerChunk = Math.Max(1, Math.Min(ChunkRows, int.MaxValue / inF));
            Partition.For(weight.Length, (int)(rowsPerChunk * inF), (_, start, end) =>
            {
                if (Vector512.IsHardwareAccelerated)
                {
                    job.Rows<V512, Vector512<float>>(start / inF, end / inF);
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    job.Rows<V256, Vector256<float>>(start / inF, end / inF);
                }
                else
                {
                    job.ScalarRows(start / inF, end / inF);
                }
            });
        }
    }

    /// <summary>The raw operands of one call; pinned by the caller for its duration.</summary>
    private readonly unsafe struct Job(float* w, float* a, float* b, LoraShape shape, float scale, bool accumulate)
    {
        public readonly float* W = w, A = a, B = b;
        public readonly LoraShape Shape = shape;

        /// <summary>Rows without SIMD: the same k order, one scalar at a time.</summary>
        public void ScalarRows(int rowStart, int rowEnd)
        {
            for (int o = rowStart; o < rowEnd; o++)
            {
                ScalarColumns(o, 0, Shape.InFeatures);
            }
        }

        public void Rows<TOps, TV>(int rowStart, int rowEnd)
            where TOps : struct, ILanes<TV>
            where TV : struct
        {
            int inF = Shape.InFeatures;
            for (int c0 = 0; c0 < inF; c0 += TileCols)
            {
                int c1 = Math.Min(inF, c0 + TileCols);
                int o = rowStart;
                for (; o + 4 <= rowEnd; o += 4)
                {
                    Block4<TOps, TV>(o, c0, c1);
                }

                for (; o < rowEnd; o++)
                {
                    Block1<TOps, TV>(o, c0, c1);
                }
            }
        }

        private void Block4<TOps, TV>(int o, int c0, int c1)
            where TOps : struct, ILanes<TV>
            where TV : struct
        {
            int inF = Shape.InFeatures, r = Shape.Rank, n = TOps.Count;
            float* a = A, b0 = B + (long)o * r, b1 = b0 + r, b2 = b1 + r, b3 = b2 + r;
            int j = c0;
            for (; j + 2 * n <= c1; j += 2 * n)
            {
                TV s00 = default, s01 = default, s10 = default, s11 = default;
                TV s20 = default, s21 = default, s30 = default, s31 = default;
                for (int k = 0; k < r; k++)
                {
                    float* ak = a + (long)k * inF + j;
                    TV x0 = TOps.Load(ak), x1 = TOps.Load(ak + n);
                    TV y0 = TOps.Broadcast(b0[k]), y1 = TOps.Broadcast(b1[k]);
                    TV y2 = TOps.Broadcast(b2[k]), y3 = TOps.Broadcast(b3[k]);
                    s00 = TOps.Fma(y0, x0, s00); s01 = TOps.Fma(y0, x1, s01);
                    s10 = TOps.Fma(y1, x0, s10); s11 = TOps.Fma(y1, x1, s11);
                    s20 = TOps.Fma(y2, x0, s20); s21 = TOps.Fma(y2, x1, s21);
                    s30 = TOps.Fma(y3, x0, s30); s31 = TOps.Fma(y3, x1, s31);
                }

                float* w0 = W + (long)o * inF + j;
                Write<TOps, TV>(w0, s00); Write<TOps, TV>(w0 + n, s01);
                Write<TOps, TV>(w0 + inF, s10); Write<TOps, TV>(w0 + inF + n, s11);
                Write<TOps, TV>(w0 + 2 * inF, s20); Write<TOps, TV>(w0 + 2 * inF + n, s21);
                Write<TOps, TV>(w0 + 3 * inF, s30); Write<TOps, TV>(w0 + 3 * inF + n, s31);
            }

            for (int q = 0; q < 4; q++)
            {
                Columns<TOps, TV>(o + q, j, c1);
            }
        }

        private void Block1<TOps, TV>(int o, int c0, int c1)
            where TOps : struct, ILanes<TV>
            where TV : struct => Columns<TOps, TV>(o, c0, c1);

        /// <summary>One row over columns [j, c1): one vector at a time, then scalars (same k order).</summary>
        private void Columns<TOps, TV>(int o, int j, int c1)
            where TOps : struct, ILanes<TV>
            where TV : struct
        {
            int inF = Shape.InFeatures, r = Shape.Rank, n = TOps.Count;
            float* bo = B + (long)o * r;
            float* wo = W + (long)o * inF;
            for (; j + n <= c1; j += n)
            {
                TV s = default;
                for (int k = 0; k < r; k++)
                {
                    s = TOps.Fma(TOps.Broadcast(bo[k]), TOps.Load(A + (long)k * inF + j), s);
                }

                Write<TOps, TV>(wo + j, s);
            }

            ScalarColumns(o, j, c1);
        }

        private void ScalarColumns(int o, int j, int c1)
        {
            int inF = Shape.InFeatures, r = Shape.Rank;
            float* bo = B + (long)o * r;
            float* wo = W + (long)o * inF;
            for (; j < c1; j++)
            {
                float s = 0;
                for (int k = 0; k < r; k++)
                {
                    s = MathF.FusedMultiplyAdd(bo[k], A[(long)k * inF + j], s);
                }

                wo[j] = accumulate ? MathF.FusedMultiplyAdd(scale, s, wo[j]) : scale * s;
            }
        }

        private void Write<TOps, TV>(float* dst, TV acc)
            where TOps : struct, ILanes<TV>
            where TV : struct =>
            TOps.Store(accumulate ? TOps.Fma(TOps.Broadcast(scale), acc, TOps.Load(dst)) : TOps.Scale(acc, scale), dst);
    }

    /// <summary>The few vector ops the micro-kernel needs, so one body serves Vector512 and Vector256.</summary>
    private unsafe interface ILanes<TV>
        where TV : struct
    {
        static abstract int Count { get; }

        static abstract TV Load(float* p);

        static abstract void Store(TV v, float* p);

        static abstract TV Broadcast(float x);

        static abstract TV Fma(TV a, TV b, TV c);

        static abstract TV Scale(TV v, float s);
    }

    private readonly unsafe struct V512 : ILanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;

        public static Vector512<float> Load(float* p) => Vector512.Load(p);

        public static void Store(Vector512<float> v, float* p) => v.Store(p);

        public static Vector512<float> Broadcast(float x) => Vector512.Create(x);

        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Vector512.FusedMultiplyAdd(a, b, c);

        public static Vector512<float> Scale(Vector512<float> v, float s) => v * s;
    }

    private readonly unsafe struct V256 : ILanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;

        public static Vector256<float> Load(float* p) => Vector256.Load(p);

        public static void Store(Vector256<float> v, float* p) => v.Store(p);

        public static Vector256<float> Broadcast(float x) => Vector256.Create(x);

        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Vector256.FusedMultiplyAdd(a, b, c);

        public static Vector256<float> Scale(Vector256<float> v, float s) => v * s;
    }
}
