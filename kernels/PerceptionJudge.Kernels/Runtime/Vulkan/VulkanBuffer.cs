using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>Where a buffer's memory lives (see <see cref="VulkanContext.MemoryType"/>).</summary>
internal enum BufferMemory
{
    /// <summary>Host-visible and host-coherent, persistently mapped, device-local too where the device offers such a
    /// type: the kernels' default, with no staging copy.</summary>
    HostVisible,

    /// <summary>Device-local, preferring a type that is not host-visible (a discrete GPU's own memory, whatever the
    /// size of its host-visible window). Mapped only where that type is host-visible anyway (lavapipe, integrated
    /// GPUs); filled and read back with <see cref="VulkanContext.Upload{T}"/> and
    /// <see cref="VulkanContext.Download{T}"/>.</summary>
    DeviceLocal,

    /// <summary>Host-visible and host-coherent, preferring a type that is not device-local (system memory): the host
    /// side of a copy.</summary>
    Staging,
}

/// <summary>
/// A storage buffer (also a transfer source and destination) in the memory <see cref="BufferMemory"/> asks for;
/// host-visible memory is persistently mapped, so the host writes inputs and reads outputs through
/// <see cref="AsSpan{T}"/> with no staging copy. Disposing frees the buffer, then its memory.
/// </summary>
internal sealed unsafe class VulkanBuffer : IDisposable
{
    private readonly DeviceChild _buffer;
    private readonly DeviceChild _memory;
    private readonly void* _mapped;

    private VulkanBuffer(DeviceChild buffer, DeviceChild memory, void* mapped, long bytes, uint memoryType)
    {
        _buffer = buffer;
        _memory = memory;
        _mapped = mapped;
        Bytes = bytes;
        MemoryTypeIndex = memoryType;
    }

    /// <summary>Usable size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The <c>VkBuffer</c>.</summary>
    public VkBuffer Handle => new(_buffer.Value);

    /// <summary>The index of the memory type the buffer was allocated from.</summary>
    public uint MemoryTypeIndex { get; }

    /// <summary>Whether the host can read and write the contents through <see cref="AsSpan{T}"/>.</summary>
    public bool IsMapped => _mapped != null;

    /// <summary>Allocates <paramref name="bytes"/> (at least 16, as Vulkan refuses empty buffers) in
    /// <paramref name="memory"/>.</summary>
    public static VulkanBuffer Create(VulkanContext context, long bytes, BufferMemory memory = BufferMemory.HostVisible)
    {
        var device = context.Handle;
        var vk = device.Api;
        var d = device.Value;
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = (ulong)Math.Max(bytes, 16),
            Usage = BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit
                | BufferUsageFlags.TransferDstBit,
        };
        VkBuffer b;
        VkCheck.Ok(vk.CreateBuffer(d, &info, null, &b), "vkCreateBuffer");
        var buffer = new DeviceChild(device, ChildKind.Buffer, b.Handle);
        DeviceChild? allocation = null;
        try
        {
            MemoryRequirements req;
            vk.GetBufferMemoryRequirements(d, b, &req);
            uint type = context.MemoryType(req.MemoryTypeBits, memory);
            var alloc = new MemoryAllocateInfo
            {
                SType = StructureType.MemoryAllocateInfo,
                AllocationSize = req.Size,
                MemoryTypeIndex = type,
            };
            DeviceMemory m;
            VkCheck.Ok(vk.AllocateMemory(d, &alloc, null, &m), "vkAllocateMemory");
            allocation = new DeviceChild(device, ChildKind.Memory, m.Handle);
            VkCheck.Ok(vk.BindBufferMemory(d, b, m, 0), "vkBindBufferMemory");
            void* mapped = null;
            if (context.IsHostVisible(type))
            {
                VkCheck.Ok(vk.MapMemory(d, m, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
            }

            return new VulkanBuffer(buffer, allocation, mapped, bytes, type);
        }
        catch
        {
            allocation?.Dispose();
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>A host-visible buffer holding a copy of <paramref name="values"/>.</summary>
    public static VulkanBuffer From<T>(VulkanContext context, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var buffer = Create(context, (long)values.Length * sizeof(T));
        values.CopyTo(buffer.AsSpan<T>());
        return buffer;
    }

    /// <summary>The mapped contents as <typeparamref name="T"/> values; throws for memory the host cannot see.
    /// </summary>
    public Span<T> AsSpan<T>()
        where T : unmanaged => _mapped != null
        ? new(_mapped, checked((int)(Bytes / sizeof(T))))
        : throw new InvalidOperationException("the buffer is not host-visible; copy through a staging buffer");

    /// <summary>Frees the buffer, then its memory (which unmaps it).</summary>
    public void Dispose()
    {
        _buffer.Dispose();
        _memory.Dispose();
    }
}

/// <summary>Memory-type choice.</summary>
public sealed unsafe partial class VulkanContext
{
    private const MemoryPropertyFlags HostCoherent =
        MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;

    /// <summary>
    /// A memory type allowed by <paramref name="allowed"/> for <paramref name="memory"/>: host-visible and coherent,
    /// preferring device-local (<see cref="BufferMemory.HostVisible"/>); device-local, preferring a type the host
    /// cannot see (<see cref="BufferMemory.DeviceLocal"/>); host-visible and coherent, preferring system memory
    /// (<see cref="BufferMemory.Staging"/>). Without a preferred type, the first type with the required flags.
    /// </summary>
    internal uint MemoryType(uint allowed, BufferMemory memory)
    {
        var (required, wanted, unwanted) = memory switch
        {
            BufferMemory.HostVisible => (HostCoherent, MemoryPropertyFlags.DeviceLocalBit, MemoryPropertyFlags.None),
            BufferMemory.DeviceLocal => (MemoryPropertyFlags.DeviceLocalBit, MemoryPropertyFlags.None,
                MemoryPropertyFlags.HostVisibleBit),
            _ => (HostCoherent, MemoryPropertyFlags.None, MemoryPropertyFlags.DeviceLocalBit),
        };
        int fallback = -1;
        for (int i = 0; i < (int)_memory.MemoryTypeCount; i++)
        {
            var flags = _memory.MemoryTypes[i].PropertyFlags;
            if ((allowed & (1u << i)) == 0 || (flags & required) != required)
            {
                continue;
            }

            if ((flags & wanted) == wanted && (flags & unwanted) == 0)
            {
                return (uint)i;
            }

            fallback = fallback < 0 ? i : fallback;
        }

        return fallback >= 0
            ? (uint)fallback
            : throw new VulkanException($"vkAllocateMemory (no {memory} memory type)", Result.ErrorOutOfDeviceMemory);
    }

    /// <summary>Whether memory type <paramref name="type"/> is host-visible and host-coherent (so it is mapped).
    /// </summary>
    internal bool IsHostVisible(uint type) =>
        (_memory.MemoryTypes[(int)type].PropertyFlags & HostCoherent) == HostCoherent;

    /// <summary>One line about memory type <paramref name="type"/>: its flags and its heap's size, for reports.
    /// </summary>
    internal string DescribeMemoryType(uint type)
    {
        var flags = _memory.MemoryTypes[(int)type].PropertyFlags;
        uint heap = _memory.MemoryTypes[(int)type].HeapIndex;
        var names = new List<string>(3);
        if ((flags & MemoryPropertyFlags.DeviceLocalBit) != 0)
        {
            names.Add("device-local");
        }

        if ((flags & MemoryPropertyFlags.HostVisibleBit) != 0)
        {
            names.Add("host-visible");
        }

        if ((flags & MemoryPropertyFlags.HostCoherentBit) != 0)
        {
            names.Add("host-coherent");
        }

        string what = names.Count > 0 ? string.Join(", ", names) : "no flags";
        double gib = _memory.MemoryHeaps[(int)heap].Size / (1024.0 * 1024 * 1024);
        return $"memory type {type} ({what}) on heap {heap} of {gib:0.0} GiB";
    }
}
