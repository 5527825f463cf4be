using System.Runtime.InteropServices;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>A <c>VkInstance</c> and the <see cref="Vk"/> API it was created through; destroyed when released.
/// </summary>
internal sealed unsafe class InstanceHandle : SafeHandle
{
    public InstanceHandle(Vk api, Instance instance)
        : base(0, ownsHandle: true)
    {
        Api = api;
        SetHandle(instance.Handle);
    }

    /// <summary>The API every object under this instance is called through.</summary>
    public Vk Api { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw instance (valid while the handle is).</summary>
    public Instance Value => new(handle);

    protected override bool ReleaseHandle()
    {
        Api.DestroyInstance(new Instance(handle), null);
        return true;
    }
}

/// <summary>A <c>VkDevice</c>; keeps its instance alive until it is destroyed itself.</summary>
internal sealed unsafe class DeviceHandle : SafeHandle
{
    private readonly InstanceHandle _instance;

    public DeviceHandle(InstanceHandle instance, Device device)
        : base(0, ownsHandle: true)
    {
        bool added = false;
        instance.DangerousAddRef(ref added);
        _instance = instance;
        SetHandle(device.Handle);
    }

    /// <summary>The API the device is called through.</summary>
    public Vk Api => _instance.Api;

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw device (valid while the handle is).</summary>
    public Device Value => new(handle);

    protected override bool ReleaseHandle()
    {
        Api.DestroyDevice(new Device(handle), null);
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
/// A non-dispatchable object owned by a <c>VkDevice</c> (a 64-bit handle, wrapped by Silk.NET's typed handle structs
/// at each call); holds a reference on the device so the device is destroyed only after every child. Owners dispose
/// it; the finalizer is only a safety net.
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
        var vk = _device.Api;
        var d = new Device(_device.DangerousGetHandle());
        ulong h = (ulong)handle;
        switch (_kind)
        {
            case ChildKind.Buffer: vk.DestroyBuffer(d, new VkBuffer(h), null); break;
            case ChildKind.Memory: vk.FreeMemory(d, new DeviceMemory(h), null); break;
            case ChildKind.ShaderModule: vk.DestroyShaderModule(d, new ShaderModule(h), null); break;
            case ChildKind.DescriptorSetLayout:
                vk.DestroyDescriptorSetLayout(d, new DescriptorSetLayout(h), null);
                break;
            case ChildKind.PipelineLayout: vk.DestroyPipelineLayout(d, new PipelineLayout(h), null); break;
            case ChildKind.Pipeline: vk.DestroyPipeline(d, new Pipeline(h), null); break;
            case ChildKind.DescriptorPool: vk.DestroyDescriptorPool(d, new DescriptorPool(h), null); break;
            case ChildKind.CommandPool: vk.DestroyCommandPool(d, new CommandPool(h), null); break;
            case ChildKind.QueryPool: vk.DestroyQueryPool(d, new QueryPool(h), null); break;
            case ChildKind.Fence: vk.DestroyFence(d, new Fence(h), null); break;
        }

        _device.DangerousRelease();
        return true;
    }
}
