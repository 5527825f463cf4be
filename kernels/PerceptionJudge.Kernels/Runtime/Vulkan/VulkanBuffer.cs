namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// A storage buffer in host-visible, host-coherent memory (device-local too where the device offers such a type),
/// persistently mapped: the host writes inputs and reads outputs through <see cref="AsSpan{T}"/> with no staging
/// copy. Disposing frees the buffer, then its memory.
/// </summary>
internal sealed unsafe class VulkanBuffer : IDisposable
{
    private readonly DeviceChild _buffer;
    private readonly DeviceChild _memory;
    private readonly void* _mapped;

    private VulkanBuffer(DeviceChild buffer, DeviceChild memory, void* mapped, long bytes)
    {
        _buffer = buffer;
        _memory = memory;
        _mapped = mapped;
        Bytes = bytes;
    }

    /// <summary>Usable size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The <c>VkBuffer</c>.</summary>
    public ulong Handle => _buffer.Value;

    /// <summary>Allocates <paramref name="bytes"/> (at least 16, as Vulkan refuses empty buffers).</summary>
    public static VulkanBuffer Create(VulkanContext context, long bytes)
    {
        var device = context.Handle;
        nint d = device.DangerousGetHandle();
        ulong size = (ulong)Math.Max(bytes, 16);
        var info = new VkBufferCreateInfo
        {
            sType = SType.BufferCreateInfo,
            size = size,
            usage = Vk.BufferUsageStorage,
        };
        ulong b;
        VkCheck.Ok(Native.vkCreateBuffer(d, &info, null, &b), "vkCreateBuffer");
        var buffer = new DeviceChild(device, ChildKind.Buffer, b);
        DeviceChild? memory = null;
        try
        {
            VkMemoryRequirements req;
            Native.vkGetBufferMemoryRequirements(d, b, &req);
            var alloc = new VkMemoryAllocateInfo
            {
                sType = SType.MemoryAllocateInfo,
                allocationSize = req.size,
                memoryTypeIndex = context.HostVisibleType(req.memoryTypeBits),
            };
            ulong m;
            VkCheck.Ok(Native.vkAllocateMemory(d, &alloc, null, &m), "vkAllocateMemory");
            memory = new DeviceChild(device, ChildKind.Memory, m);
            VkCheck.Ok(Native.vkBindBufferMemory(d, b, m, 0), "vkBindBufferMemory");
            void* mapped;
            VkCheck.Ok(Native.vkMapMemory(d, m, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
            return new VulkanBuffer(buffer, memory, mapped, bytes);
        }
        catch
        {
            memory?.Dispose();
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>A buffer holding a copy of <paramref name="values"/>.</summary>
    public static VulkanBuffer From<T>(VulkanContext context, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var buffer = Create(context, (long)values.Length * sizeof(T));
        values.CopyTo(buffer.AsSpan<T>());
        return buffer;
    }

    /// <summary>The mapped contents as <typeparamref name="T"/> values.</summary>
    public Span<T> AsSpan<T>()
        where T : unmanaged => new(_mapped, checked((int)(Bytes / sizeof(T))));

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
    /// <summary>
    /// A memory type allowed by <paramref name="allowed"/> that is host-visible and host-coherent, preferring one that
    /// is device-local as well.
    /// </summary>
    internal uint HostVisibleType(uint allowed)
    {
        const uint host = Vk.MemoryHostVisible | Vk.MemoryHostCoherent;
        int fallback = -1;
        for (int i = 0; i < (int)_memory.memoryTypeCount; i++)
        {
            uint flags = _memory.TypeFlags(i);
            if ((allowed & (1u << i)) == 0 || (flags & host) != host)
            {
                continue;
            }

            if ((flags & Vk.MemoryDeviceLocal) != 0)
            {
                return (uint)i;
            }

            fallback = fallback < 0 ? i : fallback;
        }

        return fallback >= 0
            ? (uint)fallback
            : throw new VulkanException("vkAllocateMemory (no host-visible coherent memory type)", -2);
    }
}
