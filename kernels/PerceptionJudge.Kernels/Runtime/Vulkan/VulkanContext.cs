using System.Text;
using Silk.NET.Vulkan;

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
    private readonly Vk _vk;
    private readonly Queue _queue;
    private readonly PhysicalDeviceMemoryProperties _memory;
    private readonly DeviceChild _commandPool;
    private readonly Dictionary<string, VulkanPipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    private VulkanContext(
        InstanceHandle instance, DeviceHandle device, Queue queue, uint queueFamily,
        PhysicalDeviceMemoryProperties memory, bool timestamps, VulkanDeviceInfo info)
    {
        _vk = instance.Api;
        _instance = instance;
        _device = device;
        _queue = queue;
        _memory = memory;
        Timestamps = timestamps;
        Device = info;
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
            QueueFamilyIndex = queueFamily,
        };
        CommandPool pool;
        VkCheck.Ok(_vk.CreateCommandPool(device.Value, &poolInfo, null, &pool), "vkCreateCommandPool");
        _commandPool = new DeviceChild(device, ChildKind.CommandPool, pool.Handle);
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
    public static VulkanContext Create(string? selector, bool subgroups = true) =>
        Create(VulkanLoader.Library, selector, subgroups);

    /// <summary>Creates a context through the loader <paramref name="loader"/> (see
    /// <see cref="Create(string?, bool)"/>).
    /// </summary>
    internal static VulkanContext Create(string loader, string? selector, bool subgroups)
    {
        var instance = CreateInstance(VulkanLoader.Open(loader));
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

    private static InstanceHandle CreateInstance(Vk vk)
    {
        fixed (byte* name = "PerceptionJudge\0"u8)
        {
            var app = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = name,
                PEngineName = name,
                ApiVersion = Vk.Version11,
            };
            var info = new InstanceCreateInfo { SType = StructureType.InstanceCreateInfo, PApplicationInfo = &app };
            Instance instance;
            var result = vk.CreateInstance(&info, null, &instance);
            if (result != Result.Success)
            {
                string why = result == Result.ErrorIncompatibleDriver
                    ? "no Vulkan driver (ICD) installed" : "driver error";
                throw new KernelInputException(
                    "backend", VulkanRuntime.Unavailable($"vkCreateInstance failed ({result}: {why})"));
            }

            return new InstanceHandle(vk, instance);
        }
    }

    private static (PhysicalDevice Physical, VulkanCandidate Candidate, uint Family, uint TimestampBits) Pick(
        InstanceHandle instance, string? selector)
    {
        var vk = instance.Api;
        uint count = 0;
        VkCheck.Ok(vk.EnumeratePhysicalDevices(instance.Value, &count, null), "vkEnumeratePhysicalDevices");
        var devices = new PhysicalDevice[count];
        fixed (PhysicalDevice* p = devices)
        {
            VkCheck.Ok(vk.EnumeratePhysicalDevices(instance.Value, &count, p), "vkEnumeratePhysicalDevices");
        }

        var candidates = new List<VulkanCandidate>();
        var families = new Dictionary<int, (uint Family, uint Bits)>();
        for (int i = 0; i < (int)count; i++)
        {
            if (ComputeFamily(vk, devices[i]) is not { } family)
            {
                continue;
            }

            var props = Properties(vk, devices[i], out _);
            candidates.Add(new VulkanCandidate(i, Name(props), (VulkanDeviceType)props.DeviceType));
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
    private static (uint Family, uint Bits)? ComputeFamily(Vk vk, PhysicalDevice physical)
    {
        uint n = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(physical, &n, null);
        var families = new QueueFamilyProperties[n];
        fixed (QueueFamilyProperties* p = families)
        {
            vk.GetPhysicalDeviceQueueFamilyProperties(physical, &n, p);
        }

        (uint, uint)? any = null;
        for (uint i = 0; i < n; i++)
        {
            var q = families[i];
            if ((q.QueueFlags & QueueFlags.ComputeBit) == 0 || q.QueueCount == 0)
            {
                continue;
            }

            if ((q.QueueFlags & QueueFlags.GraphicsBit) == 0)
            {
                return (i, q.TimestampValidBits);
            }

            any ??= (i, q.TimestampValidBits);
        }

        return any;
    }

    /// <summary>The device's properties, with its subgroup properties chained (<c>vkGetPhysicalDeviceProperties2</c>).
    /// </summary>
    private static PhysicalDeviceProperties Properties(
        Vk vk, PhysicalDevice physical, out PhysicalDeviceSubgroupProperties sub)
    {
        sub = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties };
        var props = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2 };
        fixed (PhysicalDeviceSubgroupProperties* s = &sub)
        {
            props.PNext = s;
            vk.GetPhysicalDeviceProperties2(physical, &props);
        }

        return props.Properties;
    }

    private static string Name(in PhysicalDeviceProperties props)
    {
        fixed (byte* n = props.DeviceName)
        {
            return Encoding.UTF8.GetString(n, new ReadOnlySpan<byte>(n, 256).IndexOf((byte)0) is int len and >= 0
                ? len : 256);
        }
    }

    private static VulkanContext Open(
        InstanceHandle instance, PhysicalDevice physical, VulkanCandidate candidate, uint family,
        uint timestampBits, bool subgroups)
    {
        var vk = instance.Api;
        var props = Properties(vk, physical, out var sub);
        PhysicalDeviceFeatures supported;
        vk.GetPhysicalDeviceFeatures(physical, &supported);
        bool float64 = supported.ShaderFloat64;
        var enabled = new PhysicalDeviceFeatures { ShaderFloat64 = float64 };
        PhysicalDeviceMemoryProperties memory;
        vk.GetPhysicalDeviceMemoryProperties(physical, &memory);
        float priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = family,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        var deviceInfo = new DeviceCreateInfo
        {
            SType = StructureType.DeviceCreateInfo,
            QueueCreateInfoCount = 1,
            PQueueCreateInfos = &queueInfo,
            PEnabledFeatures = &enabled,
        };
        Device device;
        VkCheck.Ok(vk.CreateDevice(physical, &deviceInfo, null, &device), "vkCreateDevice");
        var handle = new DeviceHandle(instance, device);
        Queue queue;
        vk.GetDeviceQueue(device, family, 0, &queue);
        const SubgroupFeatureFlags needed = SubgroupFeatureFlags.BasicBit | SubgroupFeatureFlags.ArithmeticBit;
        bool arithmetic = subgroups && (sub.SupportedStages & ShaderStageFlags.ComputeBit) != 0
            && (sub.SupportedOperations & needed) == needed;
        float period = props.Limits.TimestampPeriod;
        bool timestamps = timestampBits > 0 && period > 0;
        uint v = props.ApiVersion;
        var info = new VulkanDeviceInfo(
            candidate.Index, candidate.Name, candidate.Type, $"{(v >> 22) & 0x7F}.{(v >> 12) & 0x3FF}.{v & 0xFFF}",
            sub.SubgroupSize, arithmetic, timestamps ? period : 0);
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
