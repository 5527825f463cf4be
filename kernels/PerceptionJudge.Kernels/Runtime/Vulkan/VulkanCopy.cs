namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// Buffer-to-buffer copies, and with them device-local buffers: <see cref="Upload{T}"/> fills one through a staging
/// buffer in system memory, <see cref="Download{T}"/> reads one back the same way. The kernels' own calls use
/// host-visible buffers and never copy; these serve code that keeps operands resident on the device (the Vulkan
/// roofline benchmark).
/// </summary>
public sealed unsafe partial class VulkanContext
{
    /// <summary>
    /// Copies the first <paramref name="bytes"/> of <paramref name="source"/> to <paramref name="destination"/> in one
    /// fenced submission, ordered after every earlier host write and shader access and before every later one.
    /// </summary>
    internal void Copy(VulkanBuffer source, VulkanBuffer destination, long bytes)
    {
        if (bytes < 0 || bytes > source.Bytes || bytes > destination.Bytes)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes,
                $"copy of {bytes} B between buffers of {source.Bytes} B and {destination.Bytes} B");
        }

        if (bytes == 0)
        {
            return;
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            nint cmd = AllocateCommandBuffer();
            try
            {
                var begin = new VkCommandBufferBeginInfo
                {
                    sType = SType.CommandBufferBeginInfo,
                    flags = Vk.CommandBufferOneTimeSubmit,
                };
                VkCheck.Ok(Native.vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
                var before = new VkMemoryBarrier
                {
                    sType = SType.MemoryBarrier,
                    srcAccessMask = Vk.AccessHostWrite | Vk.AccessShaderWrite | Vk.AccessTransferWrite,
                    dstAccessMask = Vk.AccessTransferRead | Vk.AccessTransferWrite,
                };
                Native.vkCmdPipelineBarrier(cmd, Vk.StageHost | Vk.StageComputeShader | Vk.StageTransfer,
                    Vk.StageTransfer, 0, 1, &before, 0, null, 0, null);
                var region = new VkBufferCopy { size = (ulong)bytes };
                Native.vkCmdCopyBuffer(cmd, source.Handle, destination.Handle, 1, &region);
                var after = new VkMemoryBarrier
                {
                    sType = SType.MemoryBarrier,
                    srcAccessMask = Vk.AccessTransferWrite,
                    dstAccessMask = Vk.AccessShaderRead | Vk.AccessShaderWrite | Vk.AccessHostRead
                        | Vk.AccessTransferRead | Vk.AccessTransferWrite,
                };
                Native.vkCmdPipelineBarrier(cmd, Vk.StageTransfer,
                    Vk.StageComputeShader | Vk.StageHost | Vk.StageTransfer, 0, 1, &after, 0, null, 0, null);
                VkCheck.Ok(Native.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
                SubmitAndWait(cmd);
            }
            finally
            {
                Native.vkFreeCommandBuffers(_device.DangerousGetHandle(), _commandPool.Value, 1, &cmd);
            }
        }
    }

    /// <summary>A device-local buffer holding a copy of <paramref name="values"/> (through a staging buffer unless
    /// the device-local type is host-visible anyway).</summary>
    internal VulkanBuffer Upload<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        long bytes = (long)values.Length * sizeof(T);
        var buffer = VulkanBuffer.Create(this, bytes, BufferMemory.DeviceLocal);
        try
        {
            if (buffer.IsMapped)
            {
                values.CopyTo(buffer.AsSpan<T>());
                return buffer;
            }

            using var staging = VulkanBuffer.Create(this, bytes, BufferMemory.Staging);
            values.CopyTo(staging.AsSpan<T>());
            Copy(staging, buffer, bytes);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Reads the first <c>destination.Length</c> values of <paramref name="buffer"/> (through a staging
    /// buffer when the host cannot see it).</summary>
    internal void Download<T>(VulkanBuffer buffer, Span<T> destination)
        where T : unmanaged
    {
        if (buffer.IsMapped)
        {
            buffer.AsSpan<T>()[..destination.Length].CopyTo(destination);
            return;
        }

        long bytes = (long)destination.Length * sizeof(T);
        using var staging = VulkanBuffer.Create(this, bytes, BufferMemory.Staging);
        Copy(buffer, staging, bytes);
        staging.AsSpan<T>()[..destination.Length].CopyTo(destination);
    }
}
