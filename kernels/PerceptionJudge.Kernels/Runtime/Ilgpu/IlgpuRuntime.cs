using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime.Cuda;

namespace PerceptionJudge.Kernels.Runtime.Ilgpu;

/// <summary>
/// The process-wide ILGPU context, created lazily on first use and disposed at process exit. The device comes from
/// <c>PJ_ILGPU_DEVICE</c> (read once): unset or <c>cuda</c> takes the first CUDA device; <c>cpu</c> takes ILGPU's CPU
/// accelerator, which runs each kernel thread as .NET code (about 1 µs a thread: for tests, never chosen silently).
/// With no CUDA device, <see cref="IsAvailable"/> is false and <see cref="Shared"/> throws
/// <see cref="KernelInputException"/> (field <c>backend</c>, exit 2 in the CLI) naming what was looked for.
/// </summary>
public static class IlgpuRuntime
{
    /// <summary>The variable that picks the ILGPU device: <c>cuda</c> (default) or <c>cpu</c>.</summary>
    public const string EnvironmentVariable = "PJ_ILGPU_DEVICE";

    private static readonly Lazy<(IlgpuContext? Context, string? Reason)> s_shared =
        new(OpenShared, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The kernel families with ILGPU kernels: every family of the library.</summary>
    public static IReadOnlyList<string> PortedFamilies { get; } =
        ["advantage", "kl", "policy-loss", "loss-agg", "ranking", "optim", "lora", "log-prob", "listwise",
            "perturb"];

    /// <summary>True when an ILGPU accelerator was opened.</summary>
    public static bool IsAvailable => s_shared.Value.Context is not null;

    /// <summary>Why ILGPU is unavailable (null when it is available).</summary>
    public static string? UnavailableReason => s_shared.Value.Reason;

    /// <summary>The shared context; throws <see cref="KernelInputException"/> (field <c>backend</c>) with the reason
    /// when no accelerator opened.</summary>
    public static IlgpuContext Shared =>
        s_shared.Value.Context ?? throw new KernelInputException("backend", s_shared.Value.Reason!);

    /// <summary>
    /// Opens the accelerator <paramref name="selector"/> names (<c>null</c>, empty or <c>cuda</c>: the first CUDA
    /// device; <c>cpu</c>: ILGPU's CPU accelerator). Returns the context, or null and the reason; never throws for a
    /// missing driver or device.
    /// </summary>
    public static (IlgpuContext? Context, string? Reason) TryCreate(string? selector) =>
        selector?.Trim().ToLowerInvariant() switch
        {
            null or "" or "cuda" => OpenCuda(),
            "cpu" => (IlgpuContext.CreateCpu(), null),
            _ => (null, $"{EnvironmentVariable}='{selector}' names no ILGPU device; valid values: cuda (default), cpu"),
        };

    /// <summary>
    /// Sets <c>PJ_ILGPU_DEVICE</c> to <paramref name="selector"/> unless the environment already names a device; call
    /// before the first use (test assemblies ask for <c>cpu</c> so the ILGPU suites run without a GPU).
    /// </summary>
    public static void PreferUnlessNamed(string selector)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)))
        {
            Environment.SetEnvironmentVariable(EnvironmentVariable, selector);
        }
    }

    private static (IlgpuContext?, string?) OpenCuda()
    {
        const string looked = "ILGPU looked for CUDA devices through the NVIDIA driver (libcuda.so.1)";
        const string hint = $"install the NVIDIA driver, or set {EnvironmentVariable}=cpu for ILGPU's CPU "
            + "accelerator (slow; meant for tests)";
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
            if (context.GetCudaDevices().Count == 0)
            {
                context.Dispose();
                return (null, $"no CUDA device: {looked} and found none; {hint}");
            }

            return (IlgpuContext.CreateCuda(context), null);
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or NotSupportedException
            or TypeInitializationException)
        {
            context?.Dispose();
            return (null, $"no CUDA device: {looked} and failed ({e.Message}); {hint}");
        }
    }

    private static (IlgpuContext?, string?) OpenShared()
    {
        var opened = TryCreate(Environment.GetEnvironmentVariable(EnvironmentVariable));
        if (opened.Context is { } context)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => context.Dispose();
        }

        return opened;
    }
}
