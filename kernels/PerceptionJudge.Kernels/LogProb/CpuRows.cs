using System.Runtime.InteropServices;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>Online log-sum-exp statistics of one row: <c>z − m = (x − Max)/T</c>.</summary>
/// <param name="Max">Row max of the raw logits x.</param>
/// <param name="LogSum">log S, <c>S = Σ e^{z−m}</c>; non-finite when the row holds NaN/Inf.</param>
/// <param name="MeanRel"><c>Σ p·(z − m)</c> (≤ 0); non-finite when the row holds NaN/Inf.</param>
internal readonly record struct RowStats(float Max, float LogSum, float MeanRel)
{
    public bool IsFinite => float.IsFinite(LogSum) && float.IsFinite(MeanRel);

    /// <summary><c>H = log S − Σ p·(z − m)</c>, clamped at 0 (rounding only).</summary>
    public float Entropy => MathF.Max(0f, LogSum - MeanRel);
}

/// <summary>
/// Row kernels of <see cref="LogProbCpu"/>: one streaming pass over vocab chunks (L1-sized) keeping a running max m,
/// per-lane <c>S = Σ e^{z−m}</c> and <c>W = Σ e^{z−m}(z−m)</c>; when a chunk raises m to m', both are rescaled once:
/// <c>S ← S·e^{d}</c>, <c>W ← e^{d}(W + d·S)</c> with <c>d = (m − m')/T</c>. The chunk is read twice (max, then
/// exp), the second time from L1, so DRAM sees one read. Softmax is never stored. Fixed order: same bits every run.
/// exp is <see cref="FastExp"/> (vector lanes and scalar tail agree); the rescale factor uses MathF.Exp.
/// </summary>
internal static class LogProbRows
{
    private const int Chunk = 2048;

    public static RowStats Stats(ReadOnlySpan<float> row, float invT)
    {
        ref float x = ref MemoryMarshal.GetReference(row);
        int n = row.Length;
        float m = float.NegativeInfinity;
        float sTail = 0f, wTail = 0f;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            int vecEnd = n - n % Vector512<float>.Count;
            Vector512<float> s = Vector512<float>.Zero, w = Vector512<float>.Zero;
            for (int c = 0; c < n; c += Chunk)
            {
                int end = Math.Min(n, c + Chunk);
                int vEnd = Math.Min(end, vecEnd);
                float cm = Max512(ref x, c, vEnd, end);
                if (cm > m)
                {
                    if (!float.IsNegativeInfinity(m))
                    {
                        float d = (m - cm) * invT;
                        float scale = MathF.Exp(d);
                        w = scale * (w + d * s);
                        s *= scale;
                        wTail = scale * (wTail + d * sTail);
                        sTail *= scale;
                    }

                    m = cm;
                }

                var vm = Vector512.Create(m);
                var vi = Vector512.Create(invT);
                // Chunk-local sums added once per chunk: the rounding error grows with the chunk, not the row.
                Vector512<float> cs = Vector512<float>.Zero, cw = Vector512<float>.Zero;
                for (int i = c; i < vEnd; i += Vector512<float>.Count)
                {
                    var zr = (Vector512.LoadUnsafe(ref x, (nuint)i) - vm) * vi;
                    var e = FastExp.Exp(zr);
                    cs += e;
                    cw = Vector512.FusedMultiplyAdd(e, zr, cw);
                }

                s += cs;
                w += cw;

                Tail(ref x, vEnd, end, m, invT, ref sTail, ref wTail);
            }

            return Finish(m, Vector512.Sum(s) + sTail, Vector512.Sum(w) + wTail);
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            int vecEnd = n - n % Vector256<float>.Count;
            Vector256<float> s = Vector256<float>.Zero, w = Vector256<float>.Zero;
            for (int c = 0; c < n; c += Chunk)
            {
                int end = Math.Min(n, c + Chunk);
                int vEnd = Math.Min(end, vecEnd);
                float cm = Max256(ref x, c, vEnd, end);
                if (cm > m)
                {
                    if (!float.IsNegativeInfinity(m))
                    {
                        float d = (m - cm) * invT;
                        float scale = MathF.Exp(d);
                        w = scale * (w + d * s);
                        s *= scale;
                        wTail = scale * (wTail + d * sTail);
                        sTail *= scale;
                    }

                    m = cm;
                }

                var vm = Vector256.Create(m);
                var vi = Vector256.Create(invT);
                // Chunk-local sums added once per chunk: the rounding error grows with the chunk, not the row.
                Vector256<float> cs = Vector256<float>.Zero, cw = Vector256<float>.Zero;
                for (int i = c; i < vEnd; i += Vector256<float>.Count)
                {
                    var zr = (Vector256.LoadUnsafe(ref x, (nuint)i) - vm) * vi;
                    var e = FastExp.Exp(zr);
                    cs += e;
                    cw = Vector256.FusedMultiplyAdd(e, zr, cw);
                }

                s += cs;
                w += cw;

                Tail(ref x, vEnd, end, m, invT, ref sTail, ref wTail);
            }

            return Finish(m, Vector256.Sum(s) + sTail, Vector256.Sum(w) + wTail);
        }

        // Scalar: a two-pass row (max, then sums) is the same math with one chunk.
        m = Max512(ref x, 0, 0, n);
        Tail(ref x, 0, n, m, invT, ref sTail, ref wTail);
        return Finish(m, sTail, wTail);
    }

    /// <summary>
    /// Fused second pass: <c>g_v = p_v·(a·(z_v − μ) + b)</c> with <c>a = −gH/T</c>, <c>b = −gL/T</c>,
    /// <c>p_v = e^{z_v − m − log S}</c>, μ relative to m; then <c>g[label] += gL/T</c>.
    /// Overwrites <paramref name="grad"/>.
    /// </summary>
    public static void Grad(ReadOnlySpan<float> row, RowStats st, float invT, float gH, float gL, int label,
        Span<float> grad)
    {
        ref float x = ref MemoryMarshal.GetReference(row);
        ref float g = ref MemoryMarshal.GetReference(grad);
        int n = row.Length;
        float a = -gH * invT, b = -gL * invT;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vm = Vector512.Create(st.Max), vi = Vector512.Create(invT);
            Vector512<float> vs = Vector512.Create(st.LogSum), vmu = Vector512.Create(st.MeanRel);
            Vector512<float> va = Vector512.Create(a), vb = Vector512.Create(b);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var zr = (Vector512.LoadUnsafe(ref x, (nuint)i) - vm) * vi;
                var p = FastExp.Exp(zr - vs);
                (p * Vector512.FusedMultiplyAdd(va, zr - vmu, vb)).StoreUnsafe(ref g, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vm = Vector256.Create(st.Max), vi = Vector256.Create(invT);
            Vector256<float> vs = Vector256.Create(st.LogSum), vmu = Vector256.Create(st.MeanRel);
            Vector256<float> va = Vector256.Create(a), vb = Vector256.Create(b);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var zr = (Vector256.LoadUnsafe(ref x, (nuint)i) - vm) * vi;
                var p = FastExp.Exp(zr - vs);
                (p * Vector256.FusedMultiplyAdd(va, zr - vmu, vb)).StoreUnsafe(ref g, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float zr = (Unsafe.Add(ref x, i) - st.Max) * invT;
            float p = FastExp.Exp(zr - st.LogSum);
            Unsafe.Add(ref g, i) = p * MathF.FusedMultiplyAdd(a, zr - st.MeanRel, b);
        }

        if (label >= 0)
        {
            grad[label] += gL * invT;
        }
    }

    private static RowStats Finish(float m, float s, float w) => new(m, MathF.Log(s), w / s);

    private static void Tail(ref float x, int start, int end, float m, float invT, ref float s, ref float w)
    {
        for (int i = start; i < end; i++)
        {
            float zr = (Unsafe.Add(ref x, i) - m) * invT;
            float e = FastExp.Exp(zr);
            s += e;
            w = MathF.FusedMultiplyAdd(e, zr, w);
        }
    }

    /// <summary>Max over [start, vEnd) with Vector512 and [vEnd, end) scalar; a NaN reaches the sums anyway.</summary>
    private static float Max512(ref float x, int start, int vEnd, int end)
    {
        float m = float.NegativeInfinity;
        if (vEnd > start)
        {
            var vm = Vector512.LoadUnsafe(ref x, (nuint)start);
            for (int i = start + Vector512<float>.Count; i < vEnd; i += Vector512<float>.Count)
            {
                vm = Vector512.Max(vm, Vector512.LoadUnsafe(ref x, (nuint)i));
            }

            m = HorizontalMax(Vector256.Max(vm.GetLower(), vm.GetUpper()));
        }

        for (int i = vEnd; i < end; i++)
        {
            m = MathF.Max(m, Unsafe.Add(ref x, i));
        }

        return m;
    }

    private static float Max256(ref float x, int start, int vEnd, int end)
    {
        float m = float.NegativeInfinity;
        if (vEnd > start)
        {
            var vm = Vector256.LoadUnsafe(ref x, (nuint)start);
            for (int i = start + Vector256<float>.Count; i < vEnd; i += Vector256<float>.Count)
            {
                vm = Vector256.Max(vm, Vector256.LoadUnsafe(ref x, (nuint)i));
            }

            m = HorizontalMax(vm);
        }

        for (int i = vEnd; i < end; i++)
        {
            m = MathF.Max(m, Unsafe.Add(ref x, i));
        }

        return m;
    }

    private static float HorizontalMax(Vector256<float> v)
    {
        var h = Vector128.Max(v.GetLower(), v.GetUpper());
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        return h.ToScalar();
    }
}
