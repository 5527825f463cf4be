using ILGPU;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Kl;

/// <summary>
/// The KL estimators as one ILGPU kernel on an <see cref="IlgpuContext"/>: every estimator of
/// <see cref="KlEstimator"/> with its straight-through variant and d kl / d logprob, one thread per element, each
/// running <see cref="KlReference.Scalar"/> itself (float32 like torch; the device's <c>exp</c> for k3). Element-wise,
/// so a run repeats bit for bit.
/// </summary>
public sealed class KlIlgpu : IKlKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public KlIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The estimators this backend runs as ILGPU kernels (every one, each also with a "+" suffix).</summary>
    public static IReadOnlyList<string> Ported => KlVulkan.Ported;

    /// <inheritdoc />
    public void Compute(
        KlEstimator estimator, bool straightThrough, ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob,
        Span<float> kl, Span<float> gradLogprob)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        bool wantGrad = !gradLogprob.IsEmpty;
        lock (context.Gate)
        {
            var args = new Args(context.Upload("kl.logprob", logprob), context.Upload("kl.ref", refLogprob),
                context.Buffer<float>("kl.kl", kl.Length), context.Buffer<float>("kl.grad", gradLogprob.Length),
                (int)estimator, straightThrough ? 1 : 0, wantGrad ? 1 : 0);
            context.Kernel<Args>(Element)(logprob.Length, args);
            context.Download(args.Kl, kl);
            context.Download(args.Grad, gradLogprob);
        }
    }

    /// <summary>One thread per element: <c>kl = estimator(logp, ref)</c> and, when asked, its derivative (k2's
    /// <c>logp − ref</c> when straight-through); see <see cref="KlReference"/>.</summary>
    internal static void Element(Index1D k, Args a)
    {
        a.Kl[k] = KlReference.Scalar((KlEstimator)a.Estimator, a.Logprob[k], a.Ref[k], out float grad);
        if (a.WantGrad != 0)
        {
            a.Grad[k] = a.StraightThrough != 0 ? a.Logprob[k] - a.Ref[k] : grad;
        }
    }

    /// <summary>The kernel's views (logprob, ref, kl, grad) and flags.</summary>
    internal readonly record struct Args(
        ArrayView<float> Logprob, ArrayView<float> Ref, ArrayView<float> Kl, ArrayView<float> Grad, int Estimator,
        int StraightThrough, int WantGrad);
}
