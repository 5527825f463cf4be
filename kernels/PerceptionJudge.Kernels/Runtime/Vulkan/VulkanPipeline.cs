using System.Reflection;
using Silk.NET.Vulkan;

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

    public DescriptorSetLayout SetLayout => new(_setLayout.Value);

    public PipelineLayout Layout => new(_layout.Value);

    public Pipeline Handle => new(_pipeline.Value);

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
        var vk = device.Api;
        var d = device.Value;
        var code = Spirv($"PerceptionJudge.Shaders.{name}{(subgroups ? "" : ".shared")}.spv");
        var slots = stackalloc DescriptorSetLayoutBinding[bindings];
        for (int i = 0; i < bindings; i++)
        {
            slots[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i,
                DescriptorType = DescriptorType.StorageBuffer,
                DescriptorCount = 1,
                StageFlags = ShaderStageFlags.ComputeBit,
            };
        }

        var setInfo = new DescriptorSetLayoutCreateInfo
        {
            SType = StructureType.DescriptorSetLayoutCreateInfo,
            BindingCount = (uint)bindings,
            PBindings = slots,
        };
        DescriptorSetLayout set;
        VkCheck.Ok(vk.CreateDescriptorSetLayout(d, &setInfo, null, &set), "vkCreateDescriptorSetLayout");
        var setLayout = new DeviceChild(device, ChildKind.DescriptorSetLayout, set.Handle);
        DeviceChild? layout = null;
        try
        {
            var push = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Size = (uint)pushBytes };
            var layoutInfo = new PipelineLayoutCreateInfo
            {
                SType = StructureType.PipelineLayoutCreateInfo,
                SetLayoutCount = 1,
                PSetLayouts = &set,
                PushConstantRangeCount = pushBytes > 0 ? 1u : 0u,
                PPushConstantRanges = &push,
            };
            PipelineLayout l;
            VkCheck.Ok(vk.CreatePipelineLayout(d, &layoutInfo, null, &l), "vkCreatePipelineLayout");
            layout = new DeviceChild(device, ChildKind.PipelineLayout, l.Handle);
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

    private static ulong Build(DeviceHandle device, byte[] code, PipelineLayout layout)
    {
        var vk = device.Api;
        var d = device.Value;
        fixed (byte* words = code)
        fixed (byte* entry = "main\0"u8)
        {
            var moduleInfo = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)code.Length,
                PCode = (uint*)words,
            };
            ShaderModule m;
            VkCheck.Ok(vk.CreateShaderModule(d, &moduleInfo, null, &m), "vkCreateShaderModule");
            using var module = new DeviceChild(device, ChildKind.ShaderModule, m.Handle);
            var info = new ComputePipelineCreateInfo
            {
                SType = StructureType.ComputePipelineCreateInfo,
                Stage = new PipelineShaderStageCreateInfo
                {
                    SType = StructureType.PipelineShaderStageCreateInfo,
                    Stage = ShaderStageFlags.ComputeBit,
                    Module = m,
                    PName = entry,
                },
                Layout = layout,
                BasePipelineIndex = -1,
            };
            Pipeline pipeline;
            VkCheck.Ok(vk.CreateComputePipelines(d, default, 1, &info, null, &pipeline), "vkCreateComputePipelines");
            return pipeline.Handle;
        }
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _layout.Dispose();
        _setLayout.Dispose();
    }
}
