using Silk.NET.Core.Loader;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// The process-wide Vulkan context, created lazily on first use on the device chosen by <see cref="DeviceSelection"/>
/// (<c>PJ_VULKAN_DEVICE</c> read once), and disposed at process exit. When Vulkan cannot start (no loader, no driver,
/// no device, a selector matching nothing), <see cref="IsAvailable"/> is false and <see cref="UnavailableReason"/>
/// says why and which Debian packages to install; <see cref="Shared"/> then throws
/// <see cref="KernelInputException"/> with that reason. Nothing here crashes the process.
/// </summary>
public static class VulkanRuntime
{
    /// <summary>The Debian packages that give a working Vulkan backend (lavapipe included).</summary>
    public const string DebianPackages = "mesa-vulkan-drivers libvulkan1 glslang-tools";

    private static readonly Lazy<(VulkanContext? Context, string? Reason)> s_shared =
        new(OpenShared, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when a Vulkan device was opened.</summary>
    public static bool IsAvailable => s_shared.Value.Context is not null;

    /// <summary>Why Vulkan is unavailable (null when it is available).</summary>
    public static string? UnavailableReason => s_shared.Value.Reason;

    /// <summary>The shared context; throws <see cref="KernelInputException"/> (field <c>backend</c>) with the reason
    /// when Vulkan is unavailable.</summary>
    public static VulkanContext Shared =>
        s_shared.Value.Context ?? throw new KernelInputException("backend", s_shared.Value.Reason!);

    /// <summary>The message for a Vulkan start-up failure <paramref name="cause"/>, with the install command.</summary>
    public static string Unavailable(string cause) =>
        $"Vulkan is unavailable: {cause}. Install a loader and a driver (lavapipe runs on the CPU): "
        + $"apt-get install -y {DebianPackages}; choose a device with "
        + $"{DeviceSelection.EnvironmentVariable}=<index|name>";

    /// <summary>
    /// Opens a context through the loader <paramref name="loader"/> (normally <c>libvulkan.so.1</c>) on the device
    /// <paramref name="selector"/> picks. Returns the context, or null and the reason; never throws for a missing
    /// loader, driver or device.
    /// </summary>
    public static (VulkanContext? Context, string? Reason) TryCreate(string loader, string? selector)
    {
        try
        {
            return (VulkanContext.Create(loader, selector, subgroups: true), null);
        }
        catch (KernelInputException e)
        {
            return (null, e.Message.StartsWith("backend: ", StringComparison.Ordinal) ? e.Message[9..] : e.Message);
        }
        catch (VulkanException e)
        {
            return (null, Unavailable(e.Message));
        }
        catch (FileNotFoundException)
        {
            return (null, Unavailable($"the Vulkan loader {loader} could not be loaded"));
        }
        catch (SymbolLoadingException e)
        {
            return (null, Unavailable($"the Vulkan loader is older than 1.1 ({e.Message})"));
        }
    }

    private static (VulkanContext?, string?) OpenShared()
    {
        var opened = TryCreate(
            VulkanLoader.Library, Environment.GetEnvironmentVariable(DeviceSelection.EnvironmentVariable));
        if (opened.Context is { } context)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => context.Dispose();
        }

        return opened;
    }
}
