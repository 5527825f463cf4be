using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Bench;

/// <summary>
/// The loss-side kernels ported to Vulkan (KL, agg_loss, the policy losses beyond vanilla, the group-baseline
/// advantages and remax) beside the Cpu backend (the baseline) in the same run. <c>Vulkan*</c> is the whole call
/// (buffers, copies, submit, fence wait); after each whole call the summed GPU time of its dispatches (timestamp
/// queries) is recorded and printed at cleanup as the median (<see cref="VulkanBenchmarkBase"/>). Sizes are a
/// few MiB so the classes run quickly on lavapipe.
/// </summary>
[MemoryDiagnoser]
public class VulkanKlBenchmarks : VulkanBenchmarkBase
{
    private readonly KlCpu _cpu = new();
    private KlVulkan _vulkan = null!;
    private float[] _lp = [], _ref = [], _kl = [], _grad = [];

    /// <summary>Elements.</summary>
    [Params(1 << 20)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _lp = Enumerable.Range(0, N).Select(_ => -2f + (float)rng.NextDouble()).ToArray();
        _ref = Enumerable.Range(0, N).Select(_ => -2f + 2 * (float)rng.NextDouble()).ToArray();
        _kl = new float[N];
        _grad = new float[N];
        _vulkan = new KlVulkan(Context);
    }

    [GlobalCleanup]
    public void Cleanup() => ReportGpuTime("kl_penalty k3 (whole call)");

    [Benchmark(Baseline = true)]
    public void CpuK3() => _cpu.Compute(KlEstimator.K3, false, _lp, _ref, _kl, _grad);

    [Benchmark]
    public void VulkanK3()
    {
        _vulkan.Compute(KlEstimator.K3, false, _lp, _ref, _kl, _grad);
        RecordLastSubmission();
    }
}

/// <summary>agg_loss with its gradient over [rows][4096] (three dispatches on Vulkan), Cpu and Vulkan.</summary>
[MemoryDiagnoser]
public class VulkanLossAggBenchmarks : VulkanBenchmarkBase
{
    private const int Cols = 4096;
    private readonly LossAggCpu _cpu = new();
    private LossAggVulkan _vulkan = null!;
    private float[] _x = [], _mask = [], _grad = [];

    /// <summary>Tokens (rows × 4096).</summary>
    [Params(1 << 20)]
    public int N { get; set; }

    /// <summary>The verl aggregation mode.</summary>
    [Params(AggMode.TokenMean, AggMode.SeqMeanTokenMean)]
    public AggMode Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var ops = PolicyLossOperands.Create(N, Cols);
        (_x, _mask) = (ops.Advantages, ops.Mask);
        _grad = new float[N];
        _vulkan = new LossAggVulkan(Context);
    }

    [GlobalCleanup]
    public void Cleanup() => ReportGpuTime($"agg_loss {Mode} (whole call: rows, finish, scale)");

    [Benchmark(Baseline = true)]
    public float CpuAggregate() => _cpu.Aggregate(Mode, _x, _mask, N / Cols, Cols, _grad);

    [Benchmark]
    public float VulkanAggregate()
    {
        float loss = _vulkan.Aggregate(Mode, _x, _mask, N / Cols, Cols, _grad);
        RecordLastSubmission();
        return loss;
    }
}

/// <summary>The policy losses ported after vanilla, with d pg / d log_prob over [rows][4096] (token-mean); kl_cov's
/// whole call includes its device top-k, clip_cov's its two submissions and the host's seeded draw.</summary>
[MemoryDiagnoser]
public class VulkanPolicyLossModeBenchmarks : VulkanBenchmarkBase
{
    private const int Cols = 4096;
    private readonly PolicyLossCpu _cpu = new();
    private readonly PolicyLossOptions _options = new();
    private PolicyLossVulkan _vulkan = null!;
    private PolicyLossOperands _ops = null!;
    private float[] _grad = [];

    /// <summary>Tokens (rows × 4096).</summary>
    [Params(1 << 20)]
    public int N { get; set; }

    /// <summary>verl loss_mode.</summary>
    [Params("gspo", "gpg", "geo_mean", "cispo", "sapo", "kl_cov", "clip_cov")]
    public string Mode { get; set; } = "gspo";

    [GlobalSetup]
    public void Setup()
    {
        _ops = PolicyLossOperands.Create(N, Cols);
        _grad = new float[N];
        _vulkan = new PolicyLossVulkan(Context);
    }

    [GlobalCleanup]
    public void Cleanup() => ReportGpuTime($"policy_{Mode} (whole call)");

    [Benchmark(Baseline = true)]
    public PolicyLossResult CpuLoss() => _cpu.Compute(PolicyLoss.Parse(Mode), Input(), _grad, _options);

    [Benchmark]
    public PolicyLossResult VulkanLoss()
    {
        var r = _vulkan.Compute(PolicyLoss.Parse(Mode), Input(), _grad, _options);
        RecordLastSubmission();
        return r;
    }

    private PolicyLossInput Input() => new(_ops.Old, _ops.LogProb, _ops.Advantages, _ops.Mask, N / Cols, Cols);
}

/// <summary>
/// The advantage estimators ported after grpo (groups of 8 consecutive rows) over [rows][4] rewards, Cpu and Vulkan.
/// </summary>
[MemoryDiagnoser]
public class VulkanAdvantageBaselineBenchmarks : VulkanBenchmarkBase
{
    private const int Cols = 4;
    private readonly AdvantageCpu _cpu = new();
    private AdvantageVulkan _vulkan = null!;
    private float[] _rewards = [], _mask = [], _baselines = [], _advantages = [], _returns = [];
    private GroupIndex _index = null!;

    /// <summary>Rows.</summary>
    [Params(1 << 18)]
    public int Rows { get; set; }

    /// <summary>verl adv_estimator.</summary>
    [Params("rloo", "opo", "gpg", "remax", "grpo_passk", "reinforce_plus_plus", "reinforce_plus_plus_baseline")]
    public string Estimator { get; set; } = "rloo";

    [GlobalSetup]
    public void Setup()
    {
        const int groupSize = 8;
        var rng = new Random(20261122);
        _rewards = Enumerable.Range(0, Rows * Cols).Select(_ => (float)rng.Next(2)).ToArray();
        _mask = Enumerable.Range(0, Rows * Cols).Select(k => k % Cols <= k / Cols % Cols ? 1f : 0f).ToArray();
        _baselines = Enumerable.Range(0, Rows).Select(_ => (float)rng.NextDouble()).ToArray();
        _advantages = new float[Rows * Cols];
        _returns = new float[Rows * Cols];
        _index = GroupIndex.FromDense(Enumerable.Range(0, Rows).Select(i => i / groupSize).ToArray(),
            Rows / groupSize);
        _vulkan = new AdvantageVulkan(Context);
    }

    [GlobalCleanup]
    public void Cleanup() => ReportGpuTime($"{Estimator} (whole call)");

    [Benchmark(Baseline = true)]
    public void CpuEstimator() => GroupAdvantage.Compute(_cpu, Estimator, Input(), _advantages, _returns);

    [Benchmark]
    public void VulkanEstimator()
    {
        GroupAdvantage.Compute(_vulkan, Estimator, Input(), _advantages, _returns);
        RecordLastSubmission();
    }

    private AdvantageInput Input() => new(_rewards, _mask, Rows, Cols, _index, _baselines);
}

/// <summary>TRL scale_rewards advantages over per-sequence rewards (groups of 8 rows), Cpu and Vulkan.</summary>
[MemoryDiagnoser]
public class VulkanTrlAdvantageBenchmarks : VulkanBenchmarkBase
{
    private readonly AdvantageCpu _cpu = new();
    private AdvantageVulkan _vulkan = null!;
    private float[] _rewards = [], _advantages = [];
    private GroupIndex _index = null!;

    /// <summary>Rows.</summary>
    [Params(1 << 18)]
    public int Rows { get; set; }

    /// <summary>TRL scale_rewards.</summary>
    [Params(TrlScaleRewards.Group, TrlScaleRewards.Batch)]
    public TrlScaleRewards Scale { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int groupSize = 8;
        var rng = new Random(20261122);
        _rewards = Enumerable.Range(0, Rows).Select(_ => (float)rng.NextDouble()).ToArray();
        _advantages = new float[Rows];
        _index = GroupIndex.FromDense(Enumerable.Range(0, Rows).Select(i => i / groupSize).ToArray(),
            Rows / groupSize);
        _vulkan = new AdvantageVulkan(Context);
    }

    [GlobalCleanup]
    public void Cleanup() => ReportGpuTime($"trl scale_rewards={Scale} (whole call)");

    [Benchmark(Baseline = true)]
    public void CpuTrl() => _cpu.Trl(_rewards, _index, Scale, _advantages);

    [Benchmark]
    public void VulkanTrl()
    {
        _vulkan.Trl(_rewards, _index, Scale, _advantages);
        RecordLastSubmission();
    }
}

/// <summary>
/// The chunked log-prob block kernels (what Model's LinearLogProb calls): one [64][4096] block folded into a fresh
/// state, and its backward from a complete state, Cpu and Vulkan.
/// </summary>
[MemoryDiagnoser]
public class VulkanChunkedLogProbBenchmarks : VulkanBenchmarkBase
{
    private const int Tokens = 64;
    private readonly ChunkedLogProbCpu _cpu = new();
    private ChunkedLogProbVulkan _vulkan = null!;
    private float[] _logits = [], _gH = [], _gL = [], _grad = [];
    private LogSumExpState _state = null!, _complete = null!;

    /// <summary>Vocabulary columns of the block.</summary>
    [Params(4096)]
    public int Columns { get; set; }

    /// <summary>The block operation.</summary>
    [Params("accumulate", "backward")]
    public string Op { get; set; } = "accumulate";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _logits = Enumerable.Range(0, Tokens * Columns).Select(_ => 4f * (float)rng.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, Tokens).Select(_ => rng.Next(Columns)).ToArray();
        _gH = Enumerable.Range(0, Tokens).Select(_ => (float)rng.NextDouble()).ToArray();
        _gL = Enumerable.Range(0, Tokens).Select(_ => (float)rng.NextDouble()).ToArray();
        _grad = new float[Tokens * Columns];
        _state = new LogSumExpState(Tokens, Columns, 1f, labels);
        _complete = new LogSumExpState(Tokens, Columns, 1f, labels);
        _cpu.Accumulate(_logits, 0, Tokens, 0, Columns, _complete);
        _vulkan = new ChunkedLogProbVulkan(Context);
    }

    [GlobalCleanup]
    public void Cleanup() => ReportGpuTime($"chunked log-prob {Op} (whole call)");

    [Benchmark(Baseline = true)]
    public void CpuBlock() => Run(_cpu);

    [Benchmark]
    public void VulkanBlock()
    {
        Run(_vulkan);
        RecordLastSubmission();
    }

    private void Run(IChunkedLogProbKernels kernels)
    {
        if (Op == "accumulate")
        {
            _state.Reset();
            kernels.Accumulate(_logits, 0, Tokens, 0, Columns, _state);
        }
        else
        {
            kernels.Backward(_logits, 0, Tokens, 0, Columns, _complete, _gH, _gL, _grad);
        }
    }
}
