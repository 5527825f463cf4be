using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Kl;

/// <summary>
/// verl's per-token KL estimators (<c>kl_penalty</c> / <c>kl_penalty_forward</c>) with d kl / d logprob.
/// Implemented by <see cref="KlReference"/> (the spec), <see cref="KlCpu"/>, <see cref="KlVulkan"/> and
/// <see cref="KlIlgpu"/>.
/// </summary>
public interface IKlKernels
{
    /// <summary>
    /// kl[k] = estimator(logprob[k], refLogprob[k]); when <paramref name="gradLogprob"/> is non-empty it receives
    /// d kl[k] / d logprob[k] (autograd semantics). Inputs are assumed validated (see <see cref="KlPenalty"/>).
    /// </summary>
    void Compute(
        KlEstimator estimator, bool straightThrough, ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob,
        Span<float> kl, Span<float> gradLogprob);
}

/// <summary>The estimators of J. Schulman, "Approximating KL divergence" (2020), as named by verl.</summary>
public enum KlEstimator
{
    /// <summary><c>kl</c> / <c>k1</c>: logp − ref.</summary>
    K1,

    /// <summary><c>abs</c>: |logp − ref|.</summary>
    Abs,

    /// <summary><c>mse</c> / <c>k2</c>: ½ (logp − ref)².</summary>
    K2,

    /// <summary><c>low_var_kl</c> / <c>k3</c>: clamp(e^x − x − 1, ±10), x = clamp(ref − logp, ±20).</summary>
    K3,
}

/// <summary>Backend choice for the KL family.</summary>
public static class KlKernels
{
    private static readonly KlReference s_reference = new();
    private static readonly KlCpu s_cpu = new();
    private static readonly Lazy<KlVulkan> s_vulkan = new(() => new KlVulkan(Runtime.Vulkan.VulkanRuntime.Shared));
    private static readonly Lazy<KlIlgpu> s_ilgpu = new(() => new KlIlgpu(Runtime.Ilgpu.IlgpuRuntime.Shared));

    /// <summary>The implementation for <paramref name="backend"/>; Vulkan and ILGPU throw (with the reason) when no
    /// device opened.</summary>
    public static IKlKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} is not available for the KL penalty"),
    };
}
