using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>The perturbation implementation for a backend.</summary>
public static class PerturbKernels
{
    private static readonly PerturbReference s_reference = new();
    private static readonly PerturbCpu s_cpu = new();
    private static readonly Lazy<PerturbVulkan> s_vulkan = new(() => new PerturbVulkan());
    private static readonly Lazy<PerturbIlgpu> s_ilgpu = new(() => new PerturbIlgpu());

    /// <summary>The instance for <paramref name="backend"/> (Vulkan: <see cref="PerturbVulkan"/>, which throws
    /// <see cref="NotSupportedException"/> for the ops not ported yet; ILGPU: <see cref="PerturbIlgpu"/>, every op).
    /// </summary>
    public static IPerturbKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} perturbation kernels are not available"),
    };

    /// <summary>The instance for <see cref="KernelBackend.Current"/>.</summary>
    public static IPerturbKernels Current => For(KernelBackend.Current);
}
