using System.Reflection;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// A compute pipeline built from an embedded SPIR-V shader: <c>bindings</c> storage buffers at set 0, bindings
/// 0..n−1, and <c>pushBytes</c> of push constants. Built once per context and cached by name
/// (<see cref="VulkanContext.Pipeline"/>). The SPIR-V is compiled from <c>&lt;family&gt;/&lt;name&gt;.comp</c> at
/// build time in two variants: subgroup reductions and the shared-memory fallback (<c>.shared.spv</c>).
/// </summary>
internal sealed unsafe class VulkanPipeline : IDisposable
{
    private readonly DeviceChild _setLayout;
    private readonly DeviceChild _layout;
    private readonly DeviceChild _pipeline;

    private VulkanPipeline(
        string name, int bindings, int pushBytes, DeviceChild setLayout, DeviceChild layout, DeviceChild pipeline)
    {
        Name = name;
        Bindings = bindings;
        PushBytes = pushBytes;
        _setLayout = setLayout;
        _layout = layout;
        _pipeline = pipeline;
    }

    public string Name { get; }

    public int Bindings { get; }

    public int PushBytes { get; }

    public ulong SetLayout => _setLayout.Value;

    public ulong Layout => _layout.Value;

    public ulong Handle => _pipeline.Value;

    /// <summary>The embedded SPIR-V words of <paramref name="resource"/>; a missing one is a build bug.</summary>
    public static byte[] Spirv(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"shader resource '{resource}' is not embedded in the assembly");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public static VulkanPipeline Create(DeviceHandle device, string name, bool subgroups, int bindings, int pushBytes)
    {
        nint d = device.DangerousGetHandle();
        var code = Spirv($"PerceptionJudge.Shaders.{name}{(subgroups ? "" : ".shared")}.spv");
        var slots = stackalloc VkDescriptorSetLayoutBinding[bindings];
        for (int i = 0; i < bindings; i++)
        {
            slots[i] = new VkDescriptorSetLayoutBinding
            {
                binding = (uint)i,
                descriptorType = Vk.DescriptorStorageBuffer,
                descriptorCount = 1,
                stageFlags = Vk.ShaderStageCompute,
            };
        }

        var setInfo = new VkDescriptorSetLayoutCreateInfo
        {
            sType = SType.DescriptorSetLayoutCreateInfo,
            bindingCount = (uint)bindings,
            pBindings = slots,
        };
        ulong set;
        VkCheck.Ok(Native.vkCreateDescriptorSetLayout(d, &setInfo, null, &set), "vkCreateDescriptorSetLayout");
        var setLayout = new DeviceChild(device, ChildKind.DescriptorSetLayout, set);
        DeviceChild? layout = null;
        try
        {
            var push = new VkPushConstantRange { stageFlags = Vk.ShaderStageCompute, size = (uint)pushBytes };
            var layoutInfo = new VkPipelineLayoutCreateInfo
            {
                sType = SType.PipelineLayoutCreateInfo,
                setLayoutCount = 1,
                pSetLayouts = &set,
                pushConstantRangeCount = pushBytes > 0 ? 1u : 0u,
                pPushConstantRanges = &push,
            };
            ulong l;
            VkCheck.Ok(Native.vkCreatePipelineLayout(d, &layoutInfo, null, &l), "vkCreatePipelineLayout");
            layout = new DeviceChild(device, ChildKind.PipelineLayout, l);
            ulong pipeline = Build(device, code, l);
            return new VulkanPipeline(
                name, bindings, pushBytes, setLayout, layout, new DeviceChild(device, ChildKind.Pipeline, pipeline));
        }
        catch
        {
            layout?.Dispose();
            setLayout.Dispose();
            throw;
        }
    }

    private static ulong Build(DeviceHandle device, byte[] code, ulong layout)
    {
        nint d = device.DangerousGetHandle();
        fixed (byte* words = code)
        fixed (byte* entry = "main\0"u8)
        {
            var moduleInfo = new VkShaderModuleCreateInfo
            {
                sType = SType.ShaderModuleCreateInfo,
                codeSize = (nuint)code.Length,
                pCode = (uint*)words,
            };
            ulong m;
            VkCheck.Ok(Native.vkCreateShaderModule(d, &moduleInfo, null, &m), "vkCreateShaderModule");
            using var module = new DeviceChild(device, ChildKind.ShaderModule, m);
            var info = new VkComputePipelineCreateInfo
            {
                sType = SType.ComputePipelineCreateInfo,
                stage = new VkPipelineShaderStageCreateInfo
                {
                    sType = SType.PipelineShaderStageCreateInfo,
                    stage = Vk.ShaderStageCompute,
                    module = m,
                    pName = entry,
                },
                layout = layout,
                basePipelineIndex = -1,
            };
            ulong pipeline;
            VkCheck.Ok(Native.vkCreateComputePipelines(d, 0, 1, &info, null, &pipeline), "vkCreateComputePipelines");
            return pipeline;
        }
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _layout.Dispose();
        _setLayout.Dispose();
    }
}
