using System.CommandLine;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Cli;

/// <summary><c>pjudge info</c>: the kernel backend in use and what the machine offers it; with <c>--model DIR</c>, what
/// an HF model folder holds instead (<see cref="ModelFolderInfo"/>).</summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string?>("--model")
        {
            Description = "An HF model folder: print its model_type, parameter count, dtypes, shards, tensors per " +
                "prefix and whether config.json's shapes match, from the headers only (no weights loaded)",
        };
        var info = new Command("info", "Print the kernel backend, SIMD width, processor count and .NET version")
        {
            model,
        };
        info.SetAction(parse =>
        {
            var folder = parse.GetValue(model);
            stdout.Write(folder is null ? Describe() : ModelFolderInfo.Describe(folder));
            return 0;
        });
        return info;
    }

    internal static string Describe()
    {
        string backend = KernelBackend.Current.ToString().ToLowerInvariant();
        string available = string.Join(", ", KernelBackend.Available.Select(b => b.ToString().ToLowerInvariant()));
        return $"""
            backend: {backend}
            backends available: {available}
            vulkan: {Vulkan()}
            ilgpu: {Ilgpu()}
            simd: {SimdWidth()}
            vector512 accelerated: {Vector512.IsHardwareAccelerated}
            vector256 accelerated: {Vector256.IsHardwareAccelerated}
            processors: {Environment.ProcessorCount}
            dotnet: {RuntimeInformation.FrameworkDescription}
            os: {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})

            """;
    }

    /// <summary>The Vulkan device (name, type, API version, subgroup size, timestamp tick) or why there is none.
    /// </summary>
    internal static string Vulkan() => VulkanRuntime.IsAvailable
        ? $"{VulkanRuntime.Shared.Device}, timestamp tick {VulkanRuntime.Shared.Device.TimestampPeriodNs:0.###} ns"
        : $"unavailable ({VulkanRuntime.UnavailableReason})";

    /// <summary>The ILGPU accelerator (<c>PJ_ILGPU_DEVICE</c>: CUDA by default) or why there is none.</summary>
    internal static string Ilgpu() => IlgpuRuntime.IsAvailable
        ? IlgpuRuntime.Shared.DeviceName
        : $"unavailable ({IlgpuRuntime.UnavailableReason})";

    /// <summary>The widest accelerated vector the kernels' SIMD loops will use.</summary>
    internal static string SimdWidth() =>
        Vector512.IsHardwareAccelerated ? $"512-bit ({Vector512<float>.Count} floats)"
        : Vector256.IsHardwareAccelerated ? $"256-bit ({Vector256<float>.Count} floats)"
        : Vector128.IsHardwareAccelerated ? $"128-bit ({Vector128<float>.Count} floats)"
        : "scalar";
}
