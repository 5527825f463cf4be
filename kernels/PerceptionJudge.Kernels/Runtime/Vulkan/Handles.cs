using System.Runtime.InteropServices;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>A <c>VkInstance</c>; destroyed when released.</summary>
internal sealed unsafe class InstanceHandle : SafeHandle
{
    public InstanceHandle(nint instance)
        : base(0, ownsHandle: true) => SetHandle(instance);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Native.vkDestroyInstance(handle, null);
        return true;
    }
}

/// <summary>A <c>VkDevice</c>; keeps its instance alive until it is destroyed itself.</summary>
internal sealed unsafe class DeviceHandle : SafeHandle
{
    private readonly InstanceHandle _instance;

    public DeviceHandle(InstanceHandle instance, nint device)
        : base(0, ownsHandle: true)
    {
        bool added = false;
        instance.DangerousAddRef(ref added);
        _instance = instance;
        SetHandle(device);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Native.vkDestroyDevice(handle, null);
        _instance.DangerousRelease();
        return true;
    }
}

/// <summary>What a <see cref="DeviceChild"/> is, so its release calls the matching vkDestroy/vkFree.</summary>
internal enum ChildKind
{
    Buffer,
    Memory,
    ShaderModule,
    DescriptorSetLayout,
    PipelineLayout,
    Pipeline,
    DescriptorPool,
    CommandPool,
    QueryPool,
    Fence,
}

/// <summary>
/// A non-dispatchable object owned by a <c>VkDevice</c> (a 64-bit handle); holds a reference on the device so the
/// device is destroyed only after every child. Owners dispose it; the finalizer is only a safety net.
/// </summary>
internal sealed unsafe class DeviceChild : SafeHandle
{
    private readonly DeviceHandle _device;
    private readonly ChildKind _kind;

    public DeviceChild(DeviceHandle device, ChildKind kind, ulong value)
        : base(0, ownsHandle: true)
    {
        bool added = false;
        device.DangerousAddRef(ref added);
        _device = device;
        _kind = kind;
        SetHandle((nint)value);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw Vulkan handle.</summary>
    public ulong Value => (ulong)handle;

    protected override bool ReleaseHandle()
    {
        nint d = _device.DangerousGetHandle();
        ulong h = (ulong)handle;
        switch (_kind)
        {
            case ChildKind.Buffer: Native.vkDestroyBuffer(d, h, null); break;
            case ChildKind.Memory: Native.vkFreeMemory(d, h, null); break;
            case ChildKind.ShaderModule: Native.vkDestroyShaderModule(d, h, null); break;
            case ChildKind.DescriptorSetLayout: Native.vkDestroyDescriptorSetLayout(d, h, null); break;
            case ChildKind.PipelineLayout: Native.vkDestroyPipelineLayout(d, h, null); break;
            case ChildKind.Pipeline: Native.vkDestroyPipeline(d, h, null); break;
            case ChildKind.DescriptorPool: Native.vkDestroyDescriptorPool(d, h, null); break;
            case ChildKind.CommandPool: Native.vkDestroyCommandPool(d, h, null); break;
            case ChildKind.QueryPool: Native.vkDestroyQueryPool(d, h, null); break;
            case ChildKind.Fence: Native.vkDestroyFence(d, h, null); break;
        }

        _device.DangerousRelease();
        return true;
    }
}
