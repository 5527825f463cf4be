using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Kl;

/// <summary>
/// SIMD KL estimators: one pass reading logprob and ref and writing kl (+ gradient), Vector512 or Vector256 lanes
/// with a scalar tail (the tail is <see cref="KlReference"/>'s scalar code), chunks in parallel above
/// <see cref="Partition.SerialThreshold"/>. Element-wise, so deterministic.
/// </summary>
public sealed class KlCpu : IKlKernels
{
    private const int Chunk = 1 << 16;

    /// <inheritdoc />
    public unsafe void Compute(
        KlEstimator estimator, bool straightThrough, ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob,
        Span<float> kl, Span<float> gradLogprob)
    {
        fixed (float* lp = logprob, rf = refLogprob, o = kl, g = gradLogprob)
        {
            float* lpp = lp, rfp = rf, op = o, gp = gradLogprob.IsEmpty ? null : g;
            Partition.For(logprob.Length, Chunk, (_, start, end) =>
            {
                int n = end - start;
                var a = new ReadOnlySpan<float>(lpp + start, n);
                var b = new ReadOnlySpan<float>(rfp + start, n);
                var k = new Span<float>(op + start, n);
                var d = gp == null ? default : new Span<float>(gp + start, n);
                switch (estimator)
                {
                    case KlEstimator.K1: Run<K1Op>(a, b, k, d, straightThrough); break;
                    case KlEstimator.Abs: Run<AbsOp>(a, b, k, d, straightThrough); break;
                    case KlEstimator.K2: Run<K2Op>(a, b, k, d, straightThrough); break;
                    default: Run<K3Op>(a, b, k, d, straightThrough); break;
                }
            });
        }
    }

    private static void Run<TOp>(
        ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob, Span<float> kl, Span<float> grad, bool st)
        where TOp : struct, IKlOp
    {
        ref float a = ref MemoryMarshal.GetReference(logprob);
        ref float b = ref MemoryMarshal.GetReference(refLogprob);
        ref float o = ref MemoryMarshal.GetReference(kl);
        ref float g = ref MemoryMarshal.GetReference(grad);
        bool wantGrad = !grad.IsEmpty;
        int n = logprob.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var x = Vector512.LoadUnsafe(ref a, (nuint)i);
                var y = Vector512.LoadUnsafe(ref b, (nuint)i);
                TOp.Invoke(x, y, out var dk).StoreUnsafe(ref o, (nuint)i);
                if (wantGrad)
                {
                    (st ? x - y : dk).StoreUnsafe(ref g, (nuint)i);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref a, (nuint)i);
                var y = Vector256.LoadUnsafe(ref b, (nuint)i);
                TOp.Invoke(x, y, out var dk).StoreUnsafe(ref o, (nuint)i);
                if (wantGrad)
                {
                    (st ? x - y : dk).StoreUnsafe(ref g, (nuint)i);
                }
            }
        }

        for (; i < n; i++)
        {
            float x = Unsafe.Add(ref a, i), y = Unsafe.Add(ref b, i);
            Unsafe.Add(ref o, i) = KlReference.Scalar(TOp.Estimator, x, y, out float dk);
            if (wantGrad)
            {
                Unsafe.Add(ref g, i) = st ? x - y : dk;
            }
        }
    }

    /// <summary>An estimator over vectors: returns kl, gives d kl / d logprob.</summary>
    private interface IKlOp
    {
        static abstract KlEstimator Estimator { get; }

        static abstract Vector512<float> Invoke(Vector512<float> lp, Vector512<float> rf, out Vector512<float> g);

        static abstract Vector256<float> Invoke(Vector256<float> lp, Vector256<float> rf, out Vector256<float> g);
    }

    private readonly struct K1Op : IKlOp
    {
        public static KlEstimator Estimator => KlEstimator.K1;

        public static Vector512<float> Invoke(Vector512<float> lp, Vector512<float> rf, out Vector512<float> g)
        {
            g = Vector512<float>.One;
            return lp - rf;
        }

        public static Vector256<float> Invoke(Vector256<float> lp, Vector256<float> rf, out Vector256<float> g)
        {
            g = Vector256<float>.One;
            return lp - rf;
        }
    }

    /// <summary>|d| with gradient sign(d), 0 at d = 0.</summary>
    private readonly struct AbsOp : IKlOp
    {
        public static KlEstimator Estimator => KlEstimator.Abs;

        public static Vector512<float> Invoke(Vector512<float> lp, Vector512<float> rf, out Vector512<float> g)
        {
            var d = lp - rf;
            g = (Vector512<float>.One & Vector512.GreaterThan(d, Vector512<float>.Zero))
                - (Vector512<float>.One & Vector512.LessThan(d, Vector512<float>.Zero));
            return Vector512.Abs(d);
        }

        public static Vector256<float> Invoke(Vector256<float> lp, Vector256<float> rf, out Vector256<float> g)
        {
            var d = lp - rf;
            g = (Vector256<float>.One & Vector256.GreaterThan(d, Vector256<float>.Zero))
                - (Vector256<float>.One & Vector256.LessThan(d, Vector256<float>.Zero));
            return Vector256.Abs(d);
        }
    }

    private readonly struct K2Op : IKlOp
    {
        public static KlEstimator Estimator => KlEstimator.K2;

        public static Vector512<float> Invoke(Vector512<float> lp, Vector512<float> rf, out Vector512<float> g)
        {
            g = lp - rf;
            return Vector512.Create(0.5f) * (g * g);
        }

        public static Vector256<float> Invoke(Vector256<float> lp, Vector256<float> rf, out Vector256<float> g)
        {
            g = lp - rf;
            return Vector256.Create(0.5f) * (g * g);
        }
    }

    /// <summary>Schulman's k3 with verl's two clamps; gradient zero wherever either clamp is active.</summary>
    private readonly struct K3Op : IKlOp
    {
        public static KlEstimator Estimator => KlEstimator.K3;

        public static Vector512<float> Invoke(Vector512<float> lp, Vector512<float> rf, out Vector512<float> g)
        {
            var x = rf - lp;
            var lo = Vector512.Create(-20f);
            var hi = Vector512.Create(20f);
            var xc = Vector512.Min(Vector512.Max(x, lo), hi);
            var ratio = Vector512.Exp(xc);
            var kld = ratio - xc - Vector512<float>.One;
            var pass = Vector512.GreaterThanOrEqual(x, lo) & Vector512.LessThanOrEqual(x, hi)
                & Vector512.GreaterThanOrEqual(kld, Vector512.Create(-10f))
                & Vector512.LessThanOrEqual(kld, Vector512.Create(10f));
            g = (Vector512<float>.One - ratio) & pass;
            return Vector512.Min(Vector512.Max(kld, Vector512.Create(-10f)), Vector512.Create(10f));
        }

        public static Vector256<float> Invoke(Vector256<float> lp, Vector256<float> rf, out Vector256<float> g)
        {
            var x = rf - lp;
            var lo = Vector256.Create(-20f);
            var hi = Vector256.Create(20f);
            var xc = Vector256.Min(Vector256.Max(x, lo), hi);
            var ratio = Vector256.Exp(xc);
            var kld = ratio - xc - Vector256<float>.One;
            var pass = Vector256.GreaterThanOrEqual(x, lo) & Vector256.LessThanOrEqual(x, hi)
                & Vector256.GreaterThanOrEqual(kld, Vector256.Create(-10f))
                & Vector256.LessThanOrEqual(kld, Vector256.Create(10f));
            g = (Vector256<float>.One - ratio) & pass;
            return Vector256.Min(Vector256.Max(kld, Vector256.Create(-10f)), Vector256.Create(10f));
        }
    }
}
