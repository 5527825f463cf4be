namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>The Vulkan physical-device types (<c>VkPhysicalDeviceType</c>), by preference.</summary>
public enum VulkanDeviceType
{
    /// <summary>VK_PHYSICAL_DEVICE_TYPE_OTHER.</summary>
    Other = 0,

    /// <summary>VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU.</summary>
    IntegratedGpu = 1,

    /// <summary>VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU.</summary>
    DiscreteGpu = 2,

    /// <summary>VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU.</summary>
    VirtualGpu = 3,

    /// <summary>VK_PHYSICAL_DEVICE_TYPE_CPU (lavapipe/llvmpipe).</summary>
    Cpu = 4,
}

/// <summary>One enumerated device that has a compute queue: its index in enumeration order, name and type.</summary>
/// <param name="Index">Position in <c>vkEnumeratePhysicalDevices</c> order.</param>
/// <param name="Name">The driver's <c>deviceName</c>.</param>
/// <param name="Type">The device type.</param>
public readonly record struct VulkanCandidate(int Index, string Name, VulkanDeviceType Type);

/// <summary>
/// Which device the backend uses: the first discrete GPU, else the first integrated GPU, else a virtual GPU, else
/// a CPU device (lavapipe), else any other; the environment variable <c>PJ_VULKAN_DEVICE</c> overrides the choice
/// with an enumeration index (<c>PJ_VULKAN_DEVICE=1</c>) or a case-insensitive part of the name
/// (<c>PJ_VULKAN_DEVICE=llvmpipe</c>).
/// </summary>
public static class DeviceSelection
{
    /// <summary>The override variable's name.</summary>
    public const string EnvironmentVariable = "PJ_VULKAN_DEVICE";

    private static readonly VulkanDeviceType[] s_preference =
    [
        VulkanDeviceType.DiscreteGpu, VulkanDeviceType.IntegratedGpu, VulkanDeviceType.VirtualGpu,
        VulkanDeviceType.Cpu, VulkanDeviceType.Other,
    ];

    /// <summary>
    /// The chosen candidate; <paramref name="selector"/> is the override (null or blank: by type). Throws
    /// <see cref="KernelInputException"/> (field <c>PJ_VULKAN_DEVICE</c>) when there is no candidate or the override
    /// matches none, listing the devices.
    /// </summary>
    public static VulkanCandidate Choose(IReadOnlyList<VulkanCandidate> candidates, string? selector)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            throw new KernelInputException(EnvironmentVariable, "no Vulkan device with a compute queue was found");
        }

        if (string.IsNullOrWhiteSpace(selector))
        {
            return candidates.OrderBy(c => Array.IndexOf(s_preference, c.Type)).ThenBy(c => c.Index).First();
        }

        string s = selector.Trim();
        if (int.TryParse(s, out int index))
        {
            foreach (var c in candidates)
            {
                if (c.Index == index)
                {
                    return c;
                }
            }
        }
        else
        {
            foreach (var c in candidates)
            {
                if (c.Name.Contains(s, StringComparison.OrdinalIgnoreCase))
                {
                    return c;
                }
            }
        }

        throw new KernelInputException(
            EnvironmentVariable, $"'{s}' matches no device; devices: {Describe(candidates)}");
    }

    /// <summary>"0 'name' (type), 1 ..." for messages.</summary>
    public static string Describe(IEnumerable<VulkanCandidate> candidates) =>
        string.Join(", ", candidates.Select(c => $"{c.Index} '{c.Name}' ({c.Type})"));
}
