using System.Runtime.InteropServices;
using Silk.NET.Vulkan;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// One compute dispatch: a shader, its storage buffers (bindings 0..n−1), push constants and workgroup counts.
/// </summary>
/// <param name="Shader">The shader's name (its <c>.comp</c> file name without the extension).</param>
/// <param name="Buffers">The buffers bound at set 0, in binding order.</param>
/// <param name="Push">The push-constant bytes (sizes and hyper-parameters).</param>
/// <param name="GroupsX">Workgroups along x.</param>
/// <param name="GroupsY">Workgroups along y (to exceed the x limit; shaders flatten x + y·countX).</param>
internal readonly record struct VulkanDispatch(
    string Shader, VulkanBuffer[] Buffers, byte[] Push, uint GroupsX, uint GroupsY = 1)
{
    /// <summary>The bytes of a push-constant struct (sequential layout matching the shader's std430 block).
    /// </summary>
    public static byte[] Bytes<T>(T push)
        where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in push)).ToArray();

    /// <summary>A 1-D launch of <paramref name="groups"/> workgroups split over x and y (x ≤ 65535, the guaranteed
    /// minimum of <c>maxComputeWorkGroupCount</c>).</summary>
    public static (uint X, uint Y) Split(long groups)
    {
        const long maxX = 65535;
        return groups <= maxX ? ((uint)Math.Max(groups, 1), 1u) : ((uint)maxX, (uint)((groups + maxX - 1) / maxX));
    }
}

/// <summary>Pipeline cache and one-shot submission.</summary>
public sealed unsafe partial class VulkanContext
{
    private const ulong FenceTimeoutNs = 120_000_000_000;

    /// <summary>The cached pipeline of <paramref name="shader"/>, built on first use.</summary>
    internal VulkanPipeline Pipeline(string shader, int bindings, int pushBytes)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_pipelines.TryGetValue(shader, out var p))
            {
                p = VulkanPipeline.Create(_device, shader, Device.SubgroupArithmetic, bindings, pushBytes);
                _pipelines.Add(shader, p);
            }

            return p;
        }
    }

    /// <summary>
    /// Records <paramref name="dispatches"/> in order in one command buffer (a compute→compute barrier between
    /// consecutive dispatches, a compute→host barrier at the end), submits it, waits on a fence and returns the GPU
    /// time of each dispatch (also kept in <see cref="LastTimings"/>).
    /// </summary>
    internal DispatchTiming[] Run(params ReadOnlySpan<VulkanDispatch> dispatches)
    {
        var pipelines = new VulkanPipeline[dispatches.Length];
        int descriptors = 0;
        for (int i = 0; i < dispatches.Length; i++)
        {
            var x = dispatches[i];
            pipelines[i] = Pipeline(x.Shader, x.Buffers.Length, x.Push.Length);
            descriptors += x.Buffers.Length;
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            using var pool = DescriptorPool(dispatches.Length, descriptors);
            var sets = AllocateSets(pool, pipelines, dispatches);
            uint queries = Timestamps ? 2u * (uint)dispatches.Length : 0;
            using var queryPool = queries > 0 ? QueryPool(queries) : null;
            var timestamps = new QueryPool(queryPool?.Value ?? 0);
            var cmd = AllocateCommandBuffer();
            try
            {
                Record(cmd, pipelines, dispatches, sets, timestamps, queries);
                SubmitAndWait(cmd);
            }
            finally
            {
                _vk.FreeCommandBuffers(_device.Value, new CommandPool(_commandPool.Value), 1, &cmd);
            }

            var timings = Timings(dispatches, timestamps, queries);
            LastTimings = timings;
            return timings;
        }
    }

    /// <summary>A primary command buffer from the context's pool (the caller frees it; under the lock).</summary>
    private CommandBuffer AllocateCommandBuffer()
    {
        var allocInfo = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = new CommandPool(_commandPool.Value),
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = 1,
        };
        CommandBuffer cmd;
        VkCheck.Ok(_vk.AllocateCommandBuffers(_device.Value, &allocInfo, &cmd), "vkAllocateCommandBuffers");
        return cmd;
    }

    /// <summary>Starts recording <paramref name="cmd"/> for one submission.</summary>
    private void Begin(CommandBuffer cmd)
    {
        var begin = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo,
            Flags = CommandBufferUsageFlags.OneTimeSubmitBit,
        };
        VkCheck.Ok(_vk.BeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
    }

    /// <summary>A global memory barrier: <paramref name="srcAccess"/> in <paramref name="srcStages"/> before
    /// <paramref name="dstAccess"/> in <paramref name="dstStages"/>.</summary>
    private void Barrier(
        CommandBuffer cmd, PipelineStageFlags srcStages, AccessFlags srcAccess, PipelineStageFlags dstStages,
        AccessFlags dstAccess)
    {
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = srcAccess,
            DstAccessMask = dstAccess,
        };
        _vk.CmdPipelineBarrier(cmd, srcStages, dstStages, 0, 1, &barrier, 0, null, 0, null);
    }

    /// <summary>Submits the recorded <paramref name="cmd"/> and waits on a fence (under the lock).</summary>
    private void SubmitAndWait(CommandBuffer cmd)
    {
        var d = _device.Value;
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        Fence f;
        VkCheck.Ok(_vk.CreateFence(d, &fenceInfo, null, &f), "vkCreateFence");
        using var fence = new DeviceChild(_device, ChildKind.Fence, f.Handle);
        var submit = new SubmitInfo
        {
            SType = StructureType.SubmitInfo,
            CommandBufferCount = 1,
            PCommandBuffers = &cmd,
        };
        VkCheck.Ok(_vk.QueueSubmit(_queue, 1, &submit, f), "vkQueueSubmit");
        VkCheck.Ok(_vk.WaitForFences(d, 1, &f, true, FenceTimeoutNs), "vkWaitForFences");
    }

    private DeviceChild DescriptorPool(int sets, int descriptors)
    {
        var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = (uint)descriptors };
        var info = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            MaxSets = (uint)sets,
            PoolSizeCount = 1,
            PPoolSizes = &size,
        };
        DescriptorPool pool;
        VkCheck.Ok(_vk.CreateDescriptorPool(_device.Value, &info, null, &pool), "vkCreateDescriptorPool");
        return new DeviceChild(_device, ChildKind.DescriptorPool, pool.Handle);
    }

    private DescriptorSet[] AllocateSets(
        DeviceChild pool, VulkanPipeline[] pipelines, ReadOnlySpan<VulkanDispatch> dispatches)
    {
        var d = _device.Value;
        var sets = new DescriptorSet[dispatches.Length];
        for (int i = 0; i < dispatches.Length; i++)
        {
            var layout = pipelines[i].SetLayout;
            var info = new DescriptorSetAllocateInfo
            {
                SType = StructureType.DescriptorSetAllocateInfo,
                DescriptorPool = new DescriptorPool(pool.Value),
                DescriptorSetCount = 1,
                PSetLayouts = &layout,
            };
            DescriptorSet set;
            VkCheck.Ok(_vk.AllocateDescriptorSets(d, &info, &set), "vkAllocateDescriptorSets");
            sets[i] = set;
            var buffers = dispatches[i].Buffers;
            var infos = new DescriptorBufferInfo[buffers.Length];
            var writes = new WriteDescriptorSet[buffers.Length];
            fixed (DescriptorBufferInfo* pInfos = infos)
            fixed (WriteDescriptorSet* pWrites = writes)
            {
                for (int b = 0; b < buffers.Length; b++)
                {
                    pInfos[b] = new DescriptorBufferInfo { Buffer = buffers[b].Handle, Range = Vk.WholeSize };
                    pWrites[b] = new WriteDescriptorSet
                    {
                        SType = StructureType.WriteDescriptorSet,
                        DstSet = set,
                        DstBinding = (uint)b,
                        DescriptorCount = 1,
                        DescriptorType = DescriptorType.StorageBuffer,
                        PBufferInfo = pInfos + b,
                    };
                }

                _vk.UpdateDescriptorSets(d, (uint)buffers.Length, pWrites, 0, null);
            }
        }

        return sets;
    }

    private DeviceChild QueryPool(uint count)
    {
        var info = new QueryPoolCreateInfo
        {
            SType = StructureType.QueryPoolCreateInfo,
            QueryType = QueryType.Timestamp,
            QueryCount = count,
        };
        QueryPool pool;
        VkCheck.Ok(_vk.CreateQueryPool(_device.Value, &info, null, &pool), "vkCreateQueryPool");
        return new DeviceChild(_device, ChildKind.QueryPool, pool.Handle);
    }

    private void Record(
        CommandBuffer cmd, VulkanPipeline[] pipelines, ReadOnlySpan<VulkanDispatch> dispatches, DescriptorSet[] sets,
        QueryPool queryPool, uint queries)
    {
        Begin(cmd);
        if (queries > 0)
        {
            _vk.CmdResetQueryPool(cmd, queryPool, 0, queries);
        }

        const AccessFlags shaderAccess = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit;
        Barrier(cmd, PipelineStageFlags.HostBit, AccessFlags.HostWriteBit, PipelineStageFlags.ComputeShaderBit,
            shaderAccess);
        for (int i = 0; i < dispatches.Length; i++)
        {
            var x = dispatches[i];
            var p = pipelines[i];
            if (i > 0)
            {
                Barrier(cmd, PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderWriteBit,
                    PipelineStageFlags.ComputeShaderBit, shaderAccess);
            }

            _vk.CmdBindPipeline(cmd, PipelineBindPoint.Compute, p.Handle);
            var set = sets[i];
            _vk.CmdBindDescriptorSets(cmd, PipelineBindPoint.Compute, p.Layout, 0, 1, &set, 0, null);
            if (x.Push.Length > 0)
            {
                fixed (byte* push = x.Push)
                {
                    _vk.CmdPushConstants(cmd, p.Layout, ShaderStageFlags.ComputeBit, 0, (uint)x.Push.Length, push);
                }
            }

            if (queries > 0)
            {
                _vk.CmdWriteTimestamp(cmd, PipelineStageFlags.TopOfPipeBit, queryPool, (uint)(2 * i));
            }

            _vk.CmdDispatch(cmd, x.GroupsX, x.GroupsY, 1);
            if (queries > 0)
            {
                _vk.CmdWriteTimestamp(cmd, PipelineStageFlags.BottomOfPipeBit, queryPool, (uint)(2 * i + 1));
            }
        }

        Barrier(cmd, PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderWriteBit, PipelineStageFlags.HostBit,
            AccessFlags.HostReadBit);
        VkCheck.Ok(_vk.EndCommandBuffer(cmd), "vkEndCommandBuffer");
    }

    private DispatchTiming[] Timings(ReadOnlySpan<VulkanDispatch> dispatches, QueryPool queryPool, uint queries)
    {
        var timings = new DispatchTiming[dispatches.Length];
        var ticks = new ulong[Math.Max(queries, 1)];
        if (queries > 0)
        {
            fixed (ulong* t = ticks)
            {
                VkCheck.Ok(_vk.GetQueryPoolResults(
                    _device.Value, queryPool, 0, queries, (nuint)(queries * sizeof(ulong)), t, sizeof(ulong),
                    QueryResultFlags.Result64Bit | QueryResultFlags.ResultWaitBit), "vkGetQueryPoolResults");
            }
        }

        for (int i = 0; i < timings.Length; i++)
        {
            double ns = queries > 0 ? (ticks[2 * i + 1] - ticks[2 * i]) * Device.TimestampPeriodNs : double.NaN;
            timings[i] = new DispatchTiming(dispatches[i].Shader, ns);
        }

        return timings;
    }
}
