using System.Runtime.InteropServices;

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
            nint d = _device.DangerousGetHandle();
            using var pool = DescriptorPool(dispatches.Length, descriptors);
            var sets = AllocateSets(pool, pipelines, dispatches);
            uint queries = Timestamps ? 2u * (uint)dispatches.Length : 0;
            using var queryPool = queries > 0 ? QueryPool(queries) : null;
            nint cmd = AllocateCommandBuffer();
            try
            {
                Record(cmd, pipelines, dispatches, sets, queryPool?.Value ?? 0, queries);
                SubmitAndWait(cmd);
            }
            finally
            {
                Native.vkFreeCommandBuffers(d, _commandPool.Value, 1, &cmd);
            }

            var timings = Timings(dispatches, queryPool?.Value ?? 0, queries);
            LastTimings = timings;
            return timings;
        }
    }

    /// <summary>A primary command buffer from the context's pool (the caller frees it; under the lock).</summary>
    private nint AllocateCommandBuffer()
    {
        var allocInfo = new VkCommandBufferAllocateInfo
        {
            sType = SType.CommandBufferAllocateInfo,
            commandPool = _commandPool.Value,
            commandBufferCount = 1,
        };
        nint cmd;
        VkCheck.Ok(Native.vkAllocateCommandBuffers(_device.DangerousGetHandle(), &allocInfo, &cmd),
            "vkAllocateCommandBuffers");
        return cmd;
    }

    /// <summary>Submits the recorded <paramref name="cmd"/> and waits on a fence (under the lock).</summary>
    private void SubmitAndWait(nint cmd)
    {
        nint d = _device.DangerousGetHandle();
        var fenceInfo = new VkFenceCreateInfo { sType = SType.FenceCreateInfo };
        ulong f;
        VkCheck.Ok(Native.vkCreateFence(d, &fenceInfo, null, &f), "vkCreateFence");
        using var fence = new DeviceChild(_device, ChildKind.Fence, f);
        var submit = new VkSubmitInfo
        {
            sType = SType.SubmitInfo,
            commandBufferCount = 1,
            pCommandBuffers = &cmd,
        };
        VkCheck.Ok(Native.vkQueueSubmit(_queue, 1, &submit, f), "vkQueueSubmit");
        VkCheck.Ok(Native.vkWaitForFences(d, 1, &f, 1, FenceTimeoutNs), "vkWaitForFences");
    }

    private DeviceChild DescriptorPool(int sets, int descriptors)
    {
        var size = new VkDescriptorPoolSize { type = Vk.DescriptorStorageBuffer, descriptorCount = (uint)descriptors };
        var info = new VkDescriptorPoolCreateInfo
        {
            sType = SType.DescriptorPoolCreateInfo,
            maxSets = (uint)sets,
            poolSizeCount = 1,
            pPoolSizes = &size,
        };
        ulong pool;
        VkCheck.Ok(Native.vkCreateDescriptorPool(_device.DangerousGetHandle(), &info, null, &pool),
            "vkCreateDescriptorPool");
        return new DeviceChild(_device, ChildKind.DescriptorPool, pool);
    }

    private ulong[] AllocateSets(
        DeviceChild pool, VulkanPipeline[] pipelines, ReadOnlySpan<VulkanDispatch> dispatches)
    {
        nint d = _device.DangerousGetHandle();
        var sets = new ulong[dispatches.Length];
        for (int i = 0; i < dispatches.Length; i++)
        {
            ulong layout = pipelines[i].SetLayout;
            var info = new VkDescriptorSetAllocateInfo
            {
                sType = SType.DescriptorSetAllocateInfo,
                descriptorPool = pool.Value,
                descriptorSetCount = 1,
                pSetLayouts = &layout,
            };
            ulong set;
            VkCheck.Ok(Native.vkAllocateDescriptorSets(d, &info, &set), "vkAllocateDescriptorSets");
            sets[i] = set;
            var buffers = dispatches[i].Buffers;
            var infos = new VkDescriptorBufferInfo[buffers.Length];
            var writes = new VkWriteDescriptorSet[buffers.Length];
            fixed (VkDescriptorBufferInfo* pInfos = infos)
            fixed (VkWriteDescriptorSet* pWrites = writes)
            {
                for (int b = 0; b < buffers.Length; b++)
                {
                    pInfos[b] = new VkDescriptorBufferInfo { buffer = buffers[b].Handle, range = Vk.WholeSize };
                    pWrites[b] = new VkWriteDescriptorSet
                    {
                        sType = SType.WriteDescriptorSet,
                        dstSet = set,
                        dstBinding = (uint)b,
                        descriptorCount = 1,
                        descriptorType = Vk.DescriptorStorageBuffer,
                        pBufferInfo = pInfos + b,
                    };
                }

                Native.vkUpdateDescriptorSets(d, (uint)buffers.Length, pWrites, 0, null);
            }
        }

        return sets;
    }

    private DeviceChild QueryPool(uint count)
    {
        var info = new VkQueryPoolCreateInfo
        {
            sType = SType.QueryPoolCreateInfo,
            queryType = Vk.QueryTypeTimestamp,
            queryCount = count,
        };
        ulong pool;
        VkCheck.Ok(Native.vkCreateQueryPool(_device.DangerousGetHandle(), &info, null, &pool), "vkCreateQueryPool");
        return new DeviceChild(_device, ChildKind.QueryPool, pool);
    }

    private static void Record(
        nint cmd, VulkanPipeline[] pipelines, ReadOnlySpan<VulkanDispatch> dispatches, ulong[] sets, ulong queryPool,
        uint queries)
    {
        var begin = new VkCommandBufferBeginInfo
        {
            sType = SType.CommandBufferBeginInfo,
            flags = Vk.CommandBufferOneTimeSubmit,
        };
        VkCheck.Ok(Native.vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
        if (queries > 0)
        {
            Native.vkCmdResetQueryPool(cmd, queryPool, 0, queries);
        }

        var hostToShader = new VkMemoryBarrier
        {
            sType = SType.MemoryBarrier,
            srcAccessMask = Vk.AccessHostWrite,
            dstAccessMask = Vk.AccessShaderRead | Vk.AccessShaderWrite,
        };
        Native.vkCmdPipelineBarrier(cmd, Vk.StageHost, Vk.StageComputeShader, 0, 1, &hostToShader, 0, null, 0, null);
        var shaderToShader = new VkMemoryBarrier
        {
            sType = SType.MemoryBarrier,
            srcAccessMask = Vk.AccessShaderWrite,
            dstAccessMask = Vk.AccessShaderRead | Vk.AccessShaderWrite,
        };
        for (int i = 0; i < dispatches.Length; i++)
        {
            var x = dispatches[i];
            var p = pipelines[i];
            if (i > 0)
            {
                Native.vkCmdPipelineBarrier(
                    cmd, Vk.StageComputeShader, Vk.StageComputeShader, 0, 1, &shaderToShader, 0, null, 0, null);
            }

            Native.vkCmdBindPipeline(cmd, Vk.BindPointCompute, p.Handle);
            ulong set = sets[i];
            Native.vkCmdBindDescriptorSets(cmd, Vk.BindPointCompute, p.Layout, 0, 1, &set, 0, null);
            if (x.Push.Length > 0)
            {
                fixed (byte* push = x.Push)
                {
                    Native.vkCmdPushConstants(cmd, p.Layout, Vk.ShaderStageCompute, 0, (uint)x.Push.Length, push);
                }
            }

            if (queries > 0)
            {
                Native.vkCmdWriteTimestamp(cmd, Vk.StageTopOfPipe, queryPool, (uint)(2 * i));
            }

            Native.vkCmdDispatch(cmd, x.GroupsX, x.GroupsY, 1);
            if (queries > 0)
            {
                Native.vkCmdWriteTimestamp(cmd, Vk.StageBottomOfPipe, queryPool, (uint)(2 * i + 1));
            }
        }

        var shaderToHost = new VkMemoryBarrier
        {
            sType = SType.MemoryBarrier,
            srcAccessMask = Vk.AccessShaderWrite,
            dstAccessMask = Vk.AccessHostRead,
        };
        Native.vkCmdPipelineBarrier(cmd, Vk.StageComputeShader, Vk.StageHost, 0, 1, &shaderToHost, 0, null, 0, null);
        VkCheck.Ok(Native.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    }

    private DispatchTiming[] Timings(ReadOnlySpan<VulkanDispatch> dispatches, ulong queryPool, uint queries)
    {
        var timings = new DispatchTiming[dispatches.Length];
        var ticks = new ulong[Math.Max(queries, 1)];
        if (queries > 0)
        {
            fixed (ulong* t = ticks)
            {
                VkCheck.Ok(Native.vkGetQueryPoolResults(
                    _device.DangerousGetHandle(), queryPool, 0, queries, (nuint)(queries * sizeof(ulong)), t,
                    sizeof(ulong), Vk.QueryResult64 | Vk.QueryResultWait), "vkGetQueryPoolResults");
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
