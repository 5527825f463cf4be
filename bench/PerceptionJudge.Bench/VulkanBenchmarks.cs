using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Bench;

/// <summary>
/// The kernels ported to Vulkan beside the Cpu backend (the baseline), on the device <c>PJ_VULKAN_DEVICE</c> picks
/// (lavapipe on a machine without a GPU). Three numbers per kernel: <c>Vulkan*</c> is the whole call (allocate
/// host-visible buffers, copy inputs in, dispatch, wait on the fence, copy outputs out); <c>Vulkan*DispatchOnly</c>
/// is one fenced submission on buffers uploaded once in setup (wall time of submit + wait); and the GPU time from
/// the timestamp queries around the dispatch is printed at cleanup as the median over every measured dispatch.
/// Without a Vulkan device the setup throws with the reason, so BenchmarkDotNet reports the class as failed.
/// </summary>
public abstract class VulkanBenchmarkBase
{
    private readonly List<double> _gpuNs = [];

    /// <summary>The shared context (throws with the install hint without a device).</summary>
    protected static VulkanContext Context => VulkanRuntime.Shared;

    /// <summary>Runs one pre-built dispatch and records its GPU time.</summary>
    internal void Dispatch(VulkanDispatch dispatch)
    {
        var timings = Context.Run(dispatch);
        _gpuNs.Add(timings[0].GpuNanoseconds);
    }

    /// <summary>Records the summed GPU time of every dispatch of the context's last submission (a whole call).
    /// </summary>
    protected void RecordLastSubmission() => _gpuNs.Add(Context.LastTimings.Sum(t => t.GpuNanoseconds));

    /// <summary>Prints the median GPU time of the dispatches run so far, then forgets them.</summary>
    protected void ReportGpuTime(string what)
    {
        if (_gpuNs.Count == 0)
        {
            return;
        }

        _gpuNs.Sort();
        double median = _gpuNs[_gpuNs.Count / 2];
        Console.WriteLine(
            $"// {what}: GPU time (timestamps) median {median / 1e3:0.0} us over {_gpuNs.Count} dispatches on "
            + Context.Device);
        _gpuNs.Clear();
    }
}

/// <summary>GRPO outcome advantages (cols = 1, groups of 8 consecutive rows) on Cpu and Vulkan.</summary>
[MemoryDiagnoser]
public class VulkanAdvantageBenchmarks : VulkanBenchmarkBase
{
    private readonly AdvantageCpu _cpu = new();
    private readonly AdvantageOptions _options = new();
    private AdvantageVulkan _vulkan = null!;
    private float[] _rewards = [], _mask = [], _advantages = [], _returns = [];
    private GroupIndex _index = null!;
    private VulkanBuffer[] _buffers = [];
    private VulkanDispatch _dispatch;

    /// <summary>Rows (one outcome reward each).</summary>
    [Params(1 << 20)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int groupSize = 8;
        var rng = new Random(20261122);
        _rewards = Enumerable.Range(0, Rows).Select(_ => (float)rng.Next(2)).ToArray();
        _mask = Enumerable.Repeat(1f, Rows).ToArray();
        _advantages = new float[Rows];
        _returns = new float[Rows];
        _index = GroupIndex.FromDense(Enumerable.Range(0, Rows).Select(i => i / groupSize).ToArray(),
            Rows / groupSize);
        _vulkan = new AdvantageVulkan(Context);
        _buffers =
        [
            VulkanBuffer.From<float>(Context, _rewards), VulkanBuffer.From<float>(Context, _mask),
            VulkanBuffer.From(Context, _index.Offsets), VulkanBuffer.From(Context, _index.Members),
            VulkanBuffer.Create(Context, Rows * 4L), VulkanBuffer.Create(Context, Rows * 4L),
        ];
        _dispatch = AdvantageVulkan.GrpoDispatch(_buffers, 1, _index, _options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ReportGpuTime("grpo_outcome");
        foreach (var b in _buffers)
        {
            b.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public void CpuGrpo() =>
        _cpu.Grpo(new AdvantageInput(_rewards, _mask, Rows, 1, _index), _advantages, _returns, _options);

    [Benchmark]
    public void VulkanGrpo() =>
        _vulkan.Grpo(new AdvantageInput(_rewards, _mask, Rows, 1, _index), _advantages, _returns, _options);

    [Benchmark]
    public void VulkanGrpoDispatchOnly() => Dispatch(_dispatch);
}

/// <summary>Vanilla dual-clip PPO loss with its gradient over [rows][4096] tokens (token-mean), Cpu and Vulkan.
/// </summary>
[MemoryDiagnoser]
public class VulkanPolicyLossBenchmarks : VulkanBenchmarkBase
{
    private const int Cols = 4096;
    private readonly PolicyLossCpu _cpu = new();
    private readonly PolicyLossOptions _options = new();
    private PolicyLossVulkan _vulkan = null!;
    private float[] _old = [], _lp = [], _adv = [], _mask = [], _grad = [];
    private VulkanBuffer[] _buffers = [];
    private VulkanDispatch _dispatch;

    /// <summary>Tokens (rows × 4096).</summary>
    [Params(1 << 21)]
    public int N { get; set; }

    private int Rows => N / Cols;

    [GlobalSetup]
    public void Setup()
    {
        (_old, _lp, _adv, _mask) = PolicyLossOperands.Create(N, Cols);
        _grad = new float[N];

        _vulkan = new PolicyLossVulkan(Context);
        _buffers =
        [
            VulkanBuffer.From<float>(Context, _old), VulkanBuffer.From<float>(Context, _lp),
            VulkanBuffer.From<float>(Context, _adv), VulkanBuffer.From<float>(Context, _mask),
            VulkanBuffer.Create(Context, N * 4L), VulkanBuffer.Create(Context, PolicyLossVulkan.RowSumsBytes(Rows)),
        ];
        _dispatch = PolicyLossVulkan.VanillaDispatch(_buffers, Rows, Cols, _options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ReportGpuTime("ppo_vanilla");
        foreach (var b in _buffers)
        {
            b.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public PolicyLossResult CpuVanilla() => _cpu.Compute(PolicyLossMode.Vanilla, Input(), _grad, _options);

    [Benchmark]
    public PolicyLossResult VulkanVanilla() => _vulkan.Compute(PolicyLossMode.Vanilla, Input(), _grad, _options);

    [Benchmark]
    public void VulkanVanillaDispatchOnly() => Dispatch(_dispatch);

    private PolicyLossInput Input() => new(_old, _lp, _adv, _mask, Rows, Cols);
}
