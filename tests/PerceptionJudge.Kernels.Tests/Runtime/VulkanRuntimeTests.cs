using System.Runtime.CompilerServices;
using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using SilkVk = Silk.NET.Vulkan;

namespace PerceptionJudge.Kernels.Tests.Runtime;

/// <summary>
/// The Vulkan runtime: device choice and its override, the unavailable message, Silk.NET's struct sizes against
/// vulkan_core.h, and (with a device) context lifetime, timestamps and the not-ported errors.
/// </summary>
public sealed class VulkanRuntimeTests
{
    private static readonly VulkanCandidate[] s_devices =
    [
        new(0, "llvmpipe (LLVM 15.0.6, 256 bits)", VulkanDeviceType.Cpu),
        new(1, "Intel(R) UHD Graphics 630", VulkanDeviceType.IntegratedGpu),
        new(2, "NVIDIA H100 80GB HBM3", VulkanDeviceType.DiscreteGpu),
    ];

    private static void RequireDevice()
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }
    }

    [Test]
    public void Choose_PrefersDiscreteThenIntegratedThenCpu()
    {
        Assert.That(DeviceSelection.Choose(s_devices, null).Index, Is.EqualTo(2));
        Assert.That(DeviceSelection.Choose(s_devices[..2], "  ").Index, Is.EqualTo(1));
        Assert.That(DeviceSelection.Choose(s_devices[..1], null).Index, Is.EqualTo(0));
    }

    [Test]
    public void Choose_FirstOfTheBestTypeWins() =>
        Assert.That(DeviceSelection.Choose(
            [new(0, "a", VulkanDeviceType.Cpu), new(3, "b", VulkanDeviceType.DiscreteGpu),
                new(5, "c", VulkanDeviceType.DiscreteGpu)], null).Name, Is.EqualTo("b"));

    [TestCase("0", 0)]
    [TestCase(" 1 ", 1)]
    [TestCase("LLVMPIPE", 0)]
    [TestCase("uhd", 1)]
    public void Choose_EnvironmentOverrideByIndexOrName(string selector, int expected) =>
        Assert.That(DeviceSelection.Choose(s_devices, selector).Index, Is.EqualTo(expected));

    [TestCase("7")]
    [TestCase("radeon")]
    public void Choose_UnmatchedOverrideListsTheDevices(string selector)
    {
        var ex = Assert.Throws<KernelInputException>(() => DeviceSelection.Choose(s_devices, selector));
        Assert.That(ex!.Field, Is.EqualTo("PJ_VULKAN_DEVICE"));
        Assert.That(ex.Message, Does.Contain($"'{selector}' matches no device"));
        Assert.That(ex.Message, Does.Contain("1 'Intel(R) UHD Graphics 630' (IntegratedGpu)"));
    }

    [Test]
    public void Choose_NoDeviceThrows() =>
        Assert.Throws<KernelInputException>(() => DeviceSelection.Choose([], null));

    [Test]
    public void TryCreate_MissingLoaderNamesTheDebianPackages()
    {
        var (context, reason) = VulkanRuntime.TryCreate("/nonexistent/libvulkan.so.1", null);
        Assert.That(context, Is.Null);
        Assert.That(reason, Does.Contain("/nonexistent/libvulkan.so.1 was not found"));
        Assert.That(reason, Does.Contain("apt-get install -y mesa-vulkan-drivers libvulkan1 glslang-tools"));
    }

    [Test]
    public void Unavailable_MessageNamesCausePackagesAndOverride()
    {
        string message = VulkanRuntime.Unavailable("the Vulkan driver reports no device");
        Assert.That(message, Does.StartWith("Vulkan is unavailable: the Vulkan driver reports no device."));
        Assert.That(message, Does.Contain(VulkanRuntime.DebianPackages));
        Assert.That(message, Does.Contain("PJ_VULKAN_DEVICE"));
    }

    /// <summary>Silk.NET's structs that the runtime passes to the loader have the sizes of <c>sizeof</c> in
    /// vulkan_core.h (1.3.239, x86-64).</summary>
    [Test]
    public void Structs_HaveTheHeaderSizes()
    {
        Assert.That(Unsafe.SizeOf<SilkVk.PhysicalDeviceProperties2>(), Is.EqualTo(840));
        Assert.That(Unsafe.SizeOf<SilkVk.PhysicalDeviceSubgroupProperties>(), Is.EqualTo(32));
        Assert.That(Unsafe.SizeOf<SilkVk.PhysicalDeviceMemoryProperties>(), Is.EqualTo(520));
        Assert.That(Unsafe.SizeOf<SilkVk.QueueFamilyProperties>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.PhysicalDeviceFeatures>(), Is.EqualTo(220));
        Assert.That(Unsafe.SizeOf<SilkVk.ApplicationInfo>(), Is.EqualTo(48));
        Assert.That(Unsafe.SizeOf<SilkVk.InstanceCreateInfo>(), Is.EqualTo(64));
        Assert.That(Unsafe.SizeOf<SilkVk.DeviceQueueCreateInfo>(), Is.EqualTo(40));
        Assert.That(Unsafe.SizeOf<SilkVk.DeviceCreateInfo>(), Is.EqualTo(72));
        Assert.That(Unsafe.SizeOf<SilkVk.BufferCreateInfo>(), Is.EqualTo(56));
        Assert.That(Unsafe.SizeOf<SilkVk.MemoryRequirements>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.MemoryAllocateInfo>(), Is.EqualTo(32));
        Assert.That(Unsafe.SizeOf<SilkVk.ShaderModuleCreateInfo>(), Is.EqualTo(40));
        Assert.That(Unsafe.SizeOf<SilkVk.DescriptorSetLayoutBinding>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.DescriptorSetLayoutCreateInfo>(), Is.EqualTo(32));
        Assert.That(Unsafe.SizeOf<SilkVk.PipelineLayoutCreateInfo>(), Is.EqualTo(48));
        Assert.That(Unsafe.SizeOf<SilkVk.PipelineShaderStageCreateInfo>(), Is.EqualTo(48));
        Assert.That(Unsafe.SizeOf<SilkVk.ComputePipelineCreateInfo>(), Is.EqualTo(96));
        Assert.That(Unsafe.SizeOf<SilkVk.DescriptorPoolCreateInfo>(), Is.EqualTo(40));
        Assert.That(Unsafe.SizeOf<SilkVk.DescriptorSetAllocateInfo>(), Is.EqualTo(40));
        Assert.That(Unsafe.SizeOf<SilkVk.DescriptorBufferInfo>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.WriteDescriptorSet>(), Is.EqualTo(64));
        Assert.That(Unsafe.SizeOf<SilkVk.CommandPoolCreateInfo>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.CommandBufferAllocateInfo>(), Is.EqualTo(32));
        Assert.That(Unsafe.SizeOf<SilkVk.CommandBufferBeginInfo>(), Is.EqualTo(32));
        Assert.That(Unsafe.SizeOf<SilkVk.SubmitInfo>(), Is.EqualTo(72));
        Assert.That(Unsafe.SizeOf<SilkVk.FenceCreateInfo>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.QueryPoolCreateInfo>(), Is.EqualTo(32));
        Assert.That(Unsafe.SizeOf<SilkVk.MemoryBarrier>(), Is.EqualTo(24));
        Assert.That(Unsafe.SizeOf<SilkVk.BufferCopy>(), Is.EqualTo(24));
    }

    [Test]
    public void VulkanException_NamesTheCallAndTheResult()
    {
        var e = new VulkanException("vkAllocateMemory", SilkVk.Result.ErrorOutOfDeviceMemory);
        Assert.That(e.Message, Is.EqualTo("vkAllocateMemory failed: ErrorOutOfDeviceMemory (VkResult -2)"));
        Assert.That(e.Result, Is.EqualTo(SilkVk.Result.ErrorOutOfDeviceMemory));
    }

    [Test]
    public void Available_ListsVulkanExactlyWhenADeviceOpened() =>
        Assert.That(KernelBackend.Available.Contains(Backend.Vulkan), Is.EqualTo(VulkanRuntime.IsAvailable));

    [Test]
    public void Shared_DescribesTheDevice()
    {
        RequireDevice();
        var info = VulkanRuntime.Shared.Device;
        Assert.That(info.Name, Is.Not.Empty);
        Assert.That(info.ApiVersion, Does.Match(@"^1\.\d+\.\d+$"));
        Assert.That(info.SubgroupSize, Is.GreaterThan(0));
        Assert.That(info.ToString(), Does.Contain(info.Name));
    }

    [Test]
    public void OwnContext_RunsTimesAndDisposesDeterministically()
    {
        RequireDevice();
        var context = VulkanContext.Create(null);
        var kernels = new AdvantageVulkan(context);
        var adv = new float[4];
        kernels.Grpo(new AdvantageInput([1, 2, 3, 5], [1, 1, 1, 1], 4, 1, GroupIndex.FromIds<int>([0, 0, 0, 1])),
            adv, new float[4], AdvantageOptions.Default);
        Assert.That(adv[1], Is.EqualTo(0f));
        Assert.That(context.LastTimings, Has.Count.EqualTo(1));
        Assert.That(context.LastTimings[0].Shader, Is.EqualTo("grpo_outcome"));
        if (context.Timestamps)
        {
            Assert.That(context.LastTimings[0].GpuNanoseconds, Is.GreaterThanOrEqualTo(0).And.Not.NaN);
        }

        context.Dispose();
        context.Dispose();
        Assert.Throws<ObjectDisposedException>(() => kernels.Grpo(
            new AdvantageInput([1, 2], [1, 1], 2, 1, GroupIndex.FromIds<int>([0, 0])), new float[2], new float[2],
            AdvantageOptions.Default));
    }

    /// <summary>Device-local buffers filled through a staging copy, the triad run on them, and read back: a = b + s·c
    /// exactly (s = 2 makes s·c exact, fused or not), the rest of the destination untouched by a partial download.
    /// </summary>
    [Test]
    public void DeviceLocal_UploadTriadDownloadRoundTrips()
    {
        RequireDevice();
        var context = VulkanRuntime.Shared;
        const int n = 4 * 1000 + 4 * 256 + 8; // not a whole number of workgroups
        var b = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        var c = Enumerable.Range(0, n).Select(i => 0.5f * (i % 17)).ToArray();
        using var ab = VulkanBuffer.Create(context, n * sizeof(float), BufferMemory.DeviceLocal);
        using var bb = context.Upload<float>(b);
        using var cb = context.Upload<float>(c);
        Assert.That(context.DescribeMemoryType(bb.MemoryTypeIndex), Does.Contain("device-local"));
        context.Run(VulkanTriad.Dispatch(ab, bb, cb, n, 2f));
        var a = new float[n + 1];
        a[^1] = -1;
        context.Download<float>(ab, a.AsSpan(0, n));
        for (int i = 0; i < n; i++)
        {
            Assert.That(a[i], Is.EqualTo(b[i] + 2f * c[i]), $"i={i}");
        }

        Assert.That(a[^1], Is.EqualTo(-1f));
        var back = new float[n];
        context.Download<float>(bb, back);
        Assert.That(back, Is.EqualTo(b));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.Copy(bb, ab, n * sizeof(float) + 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => VulkanTriad.Dispatch(ab, bb, cb, n - 1, 2f));
    }

    /// <summary>Both SPIR-V variants (subgroup and shared-memory reductions) match the reference on uneven,
    /// interleaved groups, including groups larger than one workgroup (64) and groups of one.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void Grpo_BothReductionVariantsMatchReference(bool subgroups)
    {
        RequireDevice();
        using var context = VulkanContext.Create(null, subgroups);
        bool deviceHasThem = VulkanRuntime.Shared.Device.SubgroupArithmetic;
        Assert.That(context.Device.SubgroupArithmetic, Is.EqualTo(subgroups && deviceHasThem));
        var rng = new Random(20261122);
        int rows = 3000, cols = 3;
        var ids = Enumerable.Range(0, rows).Select(i => i % 7 == 0 ? i : rng.Next(0, 20)).ToArray();
        var rewards = Enumerable.Range(0, rows * cols).Select(_ => (float)rng.NextDouble()).ToArray();
        var mask = Enumerable.Range(0, rows * cols).Select(k => k % 5 == 4 ? 0f : 1f).ToArray();
        var index = GroupIndex.FromIds<int>(ids);
        var actual = new float[rows * cols];
        var expected = new float[rows * cols];
        new AdvantageVulkan(context).Grpo(new AdvantageInput(rewards, mask, rows, cols, index), actual,
            new float[rows * cols], AdvantageOptions.Default);
        new AdvantageReference().Grpo(new AdvantageInput(rewards, mask, rows, cols, index), expected,
            new float[rows * cols], AdvantageOptions.Default);
        for (int k = 0; k < actual.Length; k++)
        {
            double bound = 1e-5 * Math.Max(1, Math.Abs(expected[k]));
            Assert.That(actual[k], Is.EqualTo(expected[k]).Within(bound), $"k={k}");
        }
    }

    /// <summary>The vanilla loss on both reduction variants: rows longer than a workgroup, fractional mask.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void Vanilla_BothReductionVariantsMatchReference(bool subgroups)
    {
        RequireDevice();
        using var context = VulkanContext.Create(null, subgroups);
        var rng = new Random(20261122);
        int rows = 37, cols = 300, n = rows * cols;
        var old = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 2)).ToArray();
        var lp = old.Select(v => v + (float)(0.6 * (rng.NextDouble() - 0.5))).ToArray();
        var adv = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var mask = Enumerable.Range(0, n).Select(k => k % cols < 250 - k / cols ? 1f : 0.5f * (k % 2)).ToArray();
        var o = new PolicyLossOptions { LossAggMode = "seq-mean-token-mean" };
        var g = new float[n];
        var gRef = new float[n];
        var input = new PolicyLossInput(old, lp, adv, mask, rows, cols);
        var actual = new PolicyLossVulkan(context).Compute(PolicyLossMode.Vanilla, input, g, o);
        var expected = new PolicyLossReference().Compute(PolicyLossMode.Vanilla, input, gRef, o);
        Assert.That(actual.PgLoss, Is.EqualTo(expected.PgLoss).Within(1e-5 * Math.Max(1, Math.Abs(expected.PgLoss))));
        Assert.That(actual.PgClipfrac, Is.EqualTo(expected.PgClipfrac).Within(1e-5));
        Assert.That(actual.PpoKl, Is.EqualTo(expected.PpoKl).Within(1e-5));
        Assert.That(actual.PgClipfracLower, Is.EqualTo(expected.PgClipfracLower).Within(1e-5));
        for (int k = 0; k < n; k++)
        {
            Assert.That(g[k], Is.EqualTo(gRef[k]).Within(1e-5 * Math.Max(1e-3, Math.Abs(gRef[k]))), $"k={k}");
        }
    }
}
