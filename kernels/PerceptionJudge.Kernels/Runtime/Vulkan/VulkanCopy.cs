using Silk.NET.Vulkan;

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
            var cmd = AllocateCommandBuffer();
            try
            {
                const PipelineStageFlags before = PipelineStageFlags.HostBit | PipelineStageFlags.ComputeShaderBit
                    | PipelineStageFlags.TransferBit;
                const AccessFlags transfer = AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit;
                Begin(cmd);
                const AccessFlags writes =
                    AccessFlags.HostWriteBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit;
                Barrier(cmd, before, writes, PipelineStageFlags.TransferBit, transfer);
                var region = new BufferCopy { Size = (ulong)bytes };
                _vk.CmdCopyBuffer(cmd, source.Handle, destination.Handle, 1, &region);
                Barrier(cmd, PipelineStageFlags.TransferBit, AccessFlags.TransferWriteBit, before,
                    AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.HostReadBit | transfer);
                VkCheck.Ok(_vk.EndCommandBuffer(cmd), "vkEndCommandBuffer");
                SubmitAndWait(cmd);
            }
            finally
            {
                _vk.FreeCommandBuffers(_device.Value, new CommandPool(_commandPool.Value), 1, &cmd);
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
