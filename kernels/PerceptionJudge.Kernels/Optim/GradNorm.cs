using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// Global L2 gradient norm and clipping as <c>torch.nn.utils.clip_grad_norm_</c> (norm_type 2):
/// <c>total = √Σ_i Σ_j g_i[j]²</c> (double, fixed order), <c>clip_coef = max_norm / (total + 1e-6)</c> clamped to
/// at most 1, every grad multiplied by it. Non-finite totals throw instead of scaling by NaN (verl skips the step).
/// </summary>
public static class GradNorm
{
    /// <summary>torch's guard against division by zero in the clip coefficient.</summary>
    public const double ClipEpsilon = 1e-6;

    /// <summary>min(1, maxNorm / (totalNorm + 1e-6)).</summary>
    public static double ClipCoefficient(double totalNorm, double maxNorm) =>
        Math.Min(1.0, maxNorm / (totalNorm + ClipEpsilon));

    /// <summary>
    /// Scales <paramref name="grads"/> in place by <see cref="ClipCoefficient"/> on <see cref="KernelBackend.Current"/>
    /// and returns the pre-clip total norm. A NaN/Inf grad throws <see cref="KernelInputException"/> naming
    /// <c>grads[i]</c> and leaves every grad untouched.
    /// </summary>
    public static double ClipByGlobalNorm(ReadOnlySpan<Memory<float>> grads, double maxNorm)
    {
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
        {
            throw new KernelInputException("max_norm", $"must be finite and positive, got {maxNorm}");
        }

        var kernels = OptimKernels.For(KernelBackend.Current);
        var view = new ReadOnlyMemory<float>[grads.Length];
        for (int i = 0; i < grads.Length; i++)
        {
            view[i] = grads[i];
        }

        double norm = Global(kernels, view);
        if (grads.Length > 0)
        {
            kernels.Scale(grads, (float)ClipCoefficient(norm, maxNorm));
        }

        return norm;
    }

    /// <summary>The global L2 norm of <paramref name="grads"/> (current backend); throws on NaN/Inf.</summary>
    public static double Global(ReadOnlySpan<ReadOnlyMemory<float>> grads) =>
        Global(OptimKernels.For(KernelBackend.Current), grads);

    internal static double Global(IOptimKernels kernels, ReadOnlySpan<ReadOnlyMemory<float>> grads)
    {
        if (grads.IsEmpty)
        {
            return 0;
        }

        var sums = new double[grads.Length];
        kernels.SumSquares(grads, sums);
        double total = 0;
        for (int i = 0; i < sums.Length; i++)
        {
            if (!double.IsFinite(sums[i]))
            {
                int j = Guard.FirstNonFinite(grads[i].Span);
                throw new KernelInputException(
                    "grads", $"value {grads[i].Span[j]} at element {j} is not finite; the step is skipped", i);
            }

            total += sums[i];
        }

        return Math.Sqrt(total);
    }
}
