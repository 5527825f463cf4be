using System.Text;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// One Vulkan instance, device and compute queue, with the pipelines built so far (created once, cached by shader
/// name). Buffers are host-visible and host-coherent, preferring memory that is also device-local (integrated GPUs,
/// lavapipe, resizable-BAR discrete GPUs); there is no separate staging copy yet. Submissions are serialised by a
/// lock (one queue). Disposing destroys everything in reverse order of creation.
/// </summary>
public sealed unsafe partial class VulkanContext : IDisposable
{
    private readonly InstanceHandle _instance;
    private readonly DeviceHandle _device;
    private readonly nint _queue;
    private readonly VkPhysicalDeviceMemoryProperties _memory;
    private readonly DeviceChild _commandPool;
    private readonly Dictionary<string, VulkanPipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    private VulkanContext(
        InstanceHandle instance, DeviceHandle device, nint queue, uint queueFamily,
        VkPhysicalDeviceMemoryProperties memory, bool timestamps, VulkanDeviceInfo info)
    {
        _instance = instance;
        _device = device;
        _queue = queue;
        _memory = memory;
        Timestamps = timestamps;
        Device = info;
        var poolInfo = new VkCommandPoolCreateInfo
        {
            sType = SType.CommandPoolCreateInfo,
            flags = Vk.CommandPoolResetBuffer,
            queueFamilyIndex = queueFamily,
        };
        ulong pool;
        VkCheck.Ok(Native.vkCreateCommandPool(device.DangerousGetHandle(), &poolInfo, null, &pool),
            "vkCreateCommandPool");
        _commandPool = new DeviceChild(device, ChildKind.CommandPool, pool);
    }

    /// <summary>The device in use.</summary>
    public VulkanDeviceInfo Device { get; }

    /// <summary>Whether dispatches are timed on the GPU (the queue family has timestamp bits).</summary>
    public bool Timestamps { get; }

    /// <summary>Whether shaders may use 64-bit floats (<c>shaderFloat64</c> is supported, and enabled on the device).
    /// </summary>
    public bool Float64 { get; private init; }

    /// <summary>Per-dispatch GPU times of the last submission on this context.</summary>
    public IReadOnlyList<DispatchTiming> LastTimings { get; private set; } = [];

    /// <summary>The device; throws <see cref="ObjectDisposedException"/> once the context is disposed.</summary>
    internal DeviceHandle Handle
    {
        get
        {
            ThrowIfDisposed();
            return _device;
        }
    }

    /// <summary>
    /// Creates a context on the device chosen by <see cref="DeviceSelection"/> (<paramref name="selector"/> is the
    /// <c>PJ_VULKAN_DEVICE</c> value). <paramref name="subgroups"/> false forces the shared-memory reductions even
    /// where the device has subgroup arithmetic (the tests run both variants). Throws
    /// <see cref="KernelInputException"/> when there is no driver or no device, or the selector matches none.
    /// </summary>
    public static VulkanContext Create(string? selector, bool subgroups = true)
    {
        var instance = CreateInstance();
        try
        {
            var (physical, candidate, family, timestampBits) = Pick(instance, selector);
            return Open(instance, physical, candidate, family, timestampBits, subgroups);
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    private static InstanceHandle CreateInstance()
    {
        fixed (byte* name = "PerceptionJudge\0"u8)
        {
            var app = new VkApplicationInfo
            {
                sType = SType.ApplicationInfo,
                pApplicationName = name,
                pEngineName = name,
                apiVersion = Vk.ApiVersion11,
            };
            var info = new VkInstanceCreateInfo { sType = SType.InstanceCreateInfo, pApplicationInfo = &app };
            nint instance;
            int result = Native.vkCreateInstance(&info, null, &instance);
            if (result != 0)
            {
                string why = result == -9 ? "no Vulkan driver (ICD) installed" : "driver error";
                throw new KernelInputException(
                    "backend", VulkanRuntime.Unavailable($"vkCreateInstance failed ({result}: {why})"));
            }

            return new InstanceHandle(instance);
        }
    }

    private static (nint Physical, VulkanCandidate Candidate, uint Family, uint TimestampBits) Pick(
        InstanceHandle instance, string? selector)
    {
        uint count = 0;
        VkCheck.Ok(Native.vkEnumeratePhysicalDevices(instance.DangerousGetHandle(), &count, null),
            "vkEnumeratePhysicalDevices");
        var devices = new nint[count];
        fixed (nint* p = devices)
        {
            VkCheck.Ok(Native.vkEnumeratePhysicalDevices(instance.DangerousGetHandle(), &count, p),
                "vkEnumeratePhysicalDevices");
        }

        var candidates = new List<VulkanCandidate>();
        var families = new Dictionary<int, (uint Family, uint Bits)>();
        for (int i = 0; i < (int)count; i++)
        {
            if (ComputeFamily(devices[i]) is not { } family)
            {
                continue;
            }

            var props = Properties(devices[i], out _);
            candidates.Add(new VulkanCandidate(i, Name(props), (VulkanDeviceType)props.deviceType));
            families[i] = family;
        }

        if (candidates.Count == 0)
        {
            throw new KernelInputException("backend", VulkanRuntime.Unavailable(
                count == 0 ? "the Vulkan driver reports no device" : "no Vulkan device has a compute queue"));
        }

        var chosen = DeviceSelection.Choose(candidates, selector);
        var (f, bits) = families[chosen.Index];
        return (devices[chosen.Index], chosen, f, bits);
    }

    /// <summary>The first queue family with compute (a compute-only family if there is one) and its timestamp bits.
    /// </summary>
    private static (uint Family, uint Bits)? ComputeFamily(nint physical)
    {
        uint n = 0;
        Native.vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, null);
        var families = new VkQueueFamilyProperties[n];
        fixed (VkQueueFamilyProperties* p = families)
        {
            Native.vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, p);
        }

        (uint, uint)? any = null;
        for (uint i = 0; i < n; i++)
        {
            var q = families[i];
            if ((q.queueFlags & Vk.QueueCompute) == 0 || q.queueCount == 0)
            {
                continue;
            }

            if ((q.queueFlags & Vk.QueueGraphics) == 0)
            {
                return (i, q.timestampValidBits);
            }

            any ??= (i, q.timestampValidBits);
        }

        return any;
    }

    private static VkPhysicalDeviceProperties2 Properties(nint physical, out VkPhysicalDeviceSubgroupProperties sub)
    {
        sub = new VkPhysicalDeviceSubgroupProperties { sType = SType.PhysicalDeviceSubgroupProperties };
        var props = new VkPhysicalDeviceProperties2 { sType = SType.PhysicalDeviceProperties2 };
        fixed (VkPhysicalDeviceSubgroupProperties* s = &sub)
        {
            props.pNext = s;
            Native.vkGetPhysicalDeviceProperties2(physical, &props);
            props.pNext = null;
        }

        return props;
    }

    private static string Name(in VkPhysicalDeviceProperties2 props)
    {
        fixed (byte* n = props.deviceName)
        {
            return Encoding.UTF8.GetString(n, new ReadOnlySpan<byte>(n, 256).IndexOf((byte)0) is int len and >= 0
                ? len : 256);
        }
    }

    private static VulkanContext Open(
        InstanceHandle instance, nint physical, VulkanCandidate candidate, uint family, uint timestampBits,
        bool subgroups)
    {
        var props = Properties(physical, out var sub);
        VkPhysicalDeviceFeatures supported, enabled = default;
        Native.vkGetPhysicalDeviceFeatures(physical, &supported);
        bool float64 = supported.flags[VkPhysicalDeviceFeatures.ShaderFloat64] != 0;
        enabled.flags[VkPhysicalDeviceFeatures.ShaderFloat64] = float64 ? 1u : 0u;
        VkPhysicalDeviceMemoryProperties memory;
        Native.vkGetPhysicalDeviceMemoryProperties(physical, &memory);
        float priority = 1f;
        var queueInfo = new VkDeviceQueueCreateInfo
        {
            sType = SType.DeviceQueueCreateInfo,
            queueFamilyIndex = family,
            queueCount = 1,
            pQueuePriorities = &priority,
        };
        var deviceInfo = new VkDeviceCreateInfo
        {
            sType = SType.DeviceCreateInfo,
            queueCreateInfoCount = 1,
            pQueueCreateInfos = &queueInfo,
            pEnabledFeatures = &enabled,
        };
        nint device;
        VkCheck.Ok(Native.vkCreateDevice(physical, &deviceInfo, null, &device), "vkCreateDevice");
        var handle = new DeviceHandle(instance, device);
        nint queue;
        Native.vkGetDeviceQueue(device, family, 0, &queue);
        bool arithmetic = subgroups && (sub.supportedStages & Vk.ShaderStageCompute) != 0
            && (sub.supportedOperations & (Vk.SubgroupFeatureBasic | Vk.SubgroupFeatureArithmetic))
            == (Vk.SubgroupFeatureBasic | Vk.SubgroupFeatureArithmetic);
        bool timestamps = timestampBits > 0 && props.timestampPeriod > 0;
        uint v = props.apiVersion;
        var info = new VulkanDeviceInfo(
            candidate.Index, candidate.Name, candidate.Type, $"{(v >> 22) & 0x7F}.{(v >> 12) & 0x3FF}.{v & 0xFFF}",
            sub.subgroupSize, arithmetic, timestamps ? props.timestampPeriod : 0);
        try
        {
            return new VulkanContext(instance, handle, queue, family, memory, timestamps, info) { Float64 = float64 };
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Destroys the pipelines, the command pool and the device (then the instance).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var p in _pipelines.Values)
            {
                p.Dispose();
            }

            _pipelines.Clear();
            _commandPool.Dispose();
            _device.Dispose();
            _instance.Dispose();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
