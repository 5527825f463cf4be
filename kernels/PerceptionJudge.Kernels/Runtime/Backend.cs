namespace PerceptionJudge.Kernels.Runtime;

/// <summary>
/// Where a kernel runs. Every kernel family exposes one interface (e.g. <c>IAdvantageKernels</c>) implemented once
/// per backend; the scalar <see cref="Reference"/> implementation is the spec every other backend is tested against.
/// </summary>
public enum Backend
{
    /// <summary>Plain scalar code, double accumulation where it helps: the specification.</summary>
    Reference,

    /// <summary>SIMD (Vector512/Vector256) CPU code, multi-threaded where it pays.</summary>
    Cpu,

    /// <summary>GLSL compute shaders through Vulkan (<see cref="Vulkan.VulkanRuntime"/>); families not yet ported
    /// throw <see cref="NotSupportedException"/> naming the kernel.</summary>
    Vulkan,

    /// <summary>ILGPU kernels written in C# (<see cref="Ilgpu.IlgpuRuntime"/>): CUDA, or ILGPU's CPU accelerator
    /// when <c>PJ_ILGPU_DEVICE=cpu</c>; kernels not yet ported throw <see cref="NotSupportedException"/> naming
    /// the op and listing what is ported.</summary>
    Ilgpu,
}

/// <summary>The backend chosen once at start-up; the public façades of every family dispatch to it.</summary>
public static class KernelBackend
{
    private static readonly Lazy<Backend[]> s_available = new(() =>
    [
        Backend.Reference, Backend.Cpu, .. Vulkan.VulkanRuntime.IsAvailable ? [Backend.Vulkan] : Array.Empty<Backend>(),
        .. Ilgpu.IlgpuRuntime.IsAvailable ? [Backend.Ilgpu] : Array.Empty<Backend>(),
    ]);

    private static Backend s_current = Backend.Cpu;

    /// <summary>The backend in use. Default <see cref="Backend.Cpu"/>.</summary>
    public static Backend Current => s_current;

    /// <summary>Chooses the backend; call once at start-up, before any kernel runs.</summary>
    public static void Select(Backend backend)
    {
        if (backend == Backend.Vulkan)
        {
            _ = Vulkan.VulkanRuntime.Shared; // opens the device now, or throws with the reason and the packages
        }
        else if (backend == Backend.Ilgpu)
        {
            _ = Ilgpu.IlgpuRuntime.Shared; // opens the accelerator now, or throws naming what was looked for
        }

        s_current = backend;
    }

    /// <summary>
    /// Backends usable in this process, reference first; Vulkan and ILGPU only when their device opened (the first
    /// read probes both).
    /// </summary>
    public static IReadOnlyList<Backend> Available => s_available.Value;
}
