using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Bench;

/// <summary>
/// The families ported to Vulkan after the first two (optimizer, LoRA, log-prob, ranking, perturbations), each beside
/// its Cpu backend (the baseline). <c>Vulkan*</c> is the whole call (buffers, copies, dispatch, fence); the GPU time
/// of the call's dispatches (timestamp queries, summed per call) is printed at cleanup as the median over every
/// measured call, per operation. Sizes are kept small enough for lavapipe (Vulkan on the CPU). Without a device the
/// setup throws with the reason, so BenchmarkDotNet reports the class as failed.
/// </summary>
public abstract class VulkanCallBenchmarkBase
{
    private readonly Dictionary<string, List<double>> _gpuNs = [];

    /// <summary>The shared context (throws with the install hint without a device).</summary>
    protected static VulkanContext Context => VulkanRuntime.Shared;

    /// <summary>Adds the GPU time of the last submission on the shared context under <paramref name="op"/>.</summary>
    protected void Record(string op)
    {
        if (!_gpuNs.TryGetValue(op, out var list))
        {
            _gpuNs[op] = list = [];
        }

        list.Add(Context.LastTimings.Sum(t => t.GpuNanoseconds));
    }

    /// <summary>Prints the median GPU time per operation, then forgets them.</summary>
    [GlobalCleanup]
    public void ReportGpuTimes()
    {
        foreach (var (op, list) in _gpuNs.Where(e => e.Value.Count > 0))
        {
            list.Sort();
            Console.WriteLine($"// {op}: GPU time (timestamps) median {list[list.Count / 2] / 1e3:0.0} us over "
                + $"{list.Count} calls on {Context.Device}");
        }

        _gpuNs.Clear();
    }
}

/// <summary>One fused AdamW step (with the global grad-norm clip) over 64 LoRA-sized tensors of 16384 elements.
/// </summary>
[MemoryDiagnoser]
public class VulkanOptimBenchmarks : VulkanCallBenchmarkBase
{
    private readonly OptimCpu _cpu = new();
    private readonly AdamWOptions _options = new(Lr: 1e-4, MaxGradNorm: 1.0);
    private OptimVulkan _vulkan = null!;
    private ParamSlot[] _slots = [];

    /// <summary>Elements per tensor (64 tensors).</summary>
    [Params(1 << 14)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        float[] Make(float scale) =>
            [.. Enumerable.Range(0, Elements).Select(_ => scale * (float)(rng.NextDouble() - 0.5))];
        _slots = [.. Enumerable.Range(0, 64).Select(_ => ParamSlot.Of(Make(1), Make(0.1f), new float[Elements],
            new float[Elements]))];
        _vulkan = new OptimVulkan(Context);
    }

    [Benchmark(Baseline = true)]
    public double CpuAdamW() => FusedAdamW.Step(_cpu, _slots, 1, _options);

    [Benchmark]
    public double VulkanAdamW()
    {
        double norm = GradNorm.Global(_vulkan, [.. _slots.Select(s => s.Grad)]);
        Record("sum_squares");
        _vulkan.AdamW(_slots, _options, 1, GradNorm.ClipCoefficient(norm, 1.0));
        Record("adamw");
        return norm;
    }
}

/// <summary>LoRA merge W ← W + (α/r)·B·A of a 1024 × 1024 weight at rank 16.</summary>
[MemoryDiagnoser]
public class VulkanLoraBenchmarks : VulkanCallBenchmarkBase
{
    private readonly LoraCpu _cpu = new();
    private LoraVulkan _vulkan = null!;
    private float[] _w = [], _a = [], _b = [];
    private LoraShape _shape;

    /// <summary>Rows and columns of W.</summary>
    [Params(1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _shape = new LoraShape(Size, Size, 16);
        _w = [.. Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble())];
        _a = [.. Enumerable.Range(0, 16 * Size).Select(_ => (float)rng.NextDouble())];
        _b = [.. Enumerable.Range(0, 16 * Size).Select(_ => (float)rng.NextDouble())];
        _vulkan = new LoraVulkan(Context);
    }

    [Benchmark(Baseline = true)]
    public void CpuMerge() => _cpu.AddScaledProduct(_w, _a, _b, _shape, 1e-3f, true);

    [Benchmark]
    public void VulkanMerge()
    {
        _vulkan.AddScaledProduct(_w, _a, _b, _shape, 1e-3f, true);
        Record("lora_merge");
    }
}

/// <summary>Entropy and chosen-token log-prob of 64 tokens × a 32768-token vocabulary.</summary>
[MemoryDiagnoser]
public class VulkanLogProbBenchmarks : VulkanCallBenchmarkBase
{
    private const int Vocab = 32768;
    private readonly LogProbCpu _cpu = new();
    private LogProbVulkan _vulkan = null!;
    private float[] _logits = [], _entropy = [], _logProb = [];
    private int[] _labels = [];

    /// <summary>Token rows.</summary>
    [Params(64)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _logits = [.. Enumerable.Range(0, Tokens * Vocab).Select(_ => (float)(4 * rng.NextDouble() - 2))];
        _labels = [.. Enumerable.Range(0, Tokens).Select(_ => rng.Next(Vocab))];
        (_entropy, _logProb) = (new float[Tokens], new float[Tokens]);
        _vulkan = new LogProbVulkan(Context);
    }

    [Benchmark(Baseline = true)]
    public void CpuForward() => _cpu.Forward(_logits, _labels, Tokens, Vocab, 1f, _entropy, _logProb);

    [Benchmark]
    public void VulkanForward()
    {
        _vulkan.Forward(_logits, _labels, Tokens, Vocab, 1f, _entropy, _logProb);
        Record("log_prob");
    }
}

/// <summary>Batch-ranking rewards of 65536 parsed rankings of 8 responses, Kendall τ and Spearman ρ of 4096 pairs,
/// NDCG@10 of 4096 relevances and the edit distance of two 1000-character strings.</summary>
[MemoryDiagnoser]
public class VulkanRankingBenchmarks : VulkanCallBenchmarkBase
{
    private const int N = 8;
    private readonly RankingCpu _cpu = new();
    private RankingVulkan _vulkan = null!;
    private int[] _predicted = [], _truth = [];
    private float[] _rewards = [];
    private double[] _x = [], _y = [];
    private string _a = "", _b = "";

    /// <summary>Rankings in the batch.</summary>
    [Params(1 << 16)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        (_predicted, _truth, _rewards) = (new int[Rows * N], new int[Rows * N], new float[Rows]);
        for (int i = 0; i < Rows; i++)
        {
            for (int k = 0; k < N; k++)
            {
                (_predicted[i * N + k], _truth[i * N + k]) = (k, k);
            }

            rng.Shuffle(_predicted.AsSpan(i * N, N));
            rng.Shuffle(_truth.AsSpan(i * N, N));
        }

        _x = [.. Enumerable.Range(0, 4096).Select(_ => rng.NextDouble())];
        _y = [.. Enumerable.Range(0, 4096).Select(_ => rng.NextDouble())];
        _a = new string([.. Enumerable.Range(0, 1000).Select(_ => (char)('a' + rng.Next(4)))]);
        _b = new string([.. Enumerable.Range(0, 1000).Select(_ => (char)('a' + rng.Next(4)))]);
        _vulkan = new RankingVulkan(Context);
    }

    [Benchmark(Baseline = true)]
    public void CpuPermutationRewards() => _cpu.PermutationRewards(_predicted, _truth, N, _rewards);

    [Benchmark]
    public void VulkanPermutationRewards()
    {
        _vulkan.PermutationRewards(_predicted, _truth, N, _rewards);
        Record("permutation_reward");
    }

    [Benchmark]
    public double CpuKendallTau() => _cpu.KendallTau(_x, _y);

    [Benchmark]
    public double VulkanKendallTau()
    {
        double tau = _vulkan.KendallTau(_x, _y);
        Record("kendall_tau");
        return tau;
    }

    [Benchmark]
    public double CpuSpearman() => _cpu.Spearman(_x, _y);

    [Benchmark]
    public double VulkanSpearman()
    {
        double rho = _vulkan.Spearman(_x, _y);
        Record("spearman");
        return rho;
    }

    [Benchmark]
    public double CpuNdcg() => _cpu.Ndcg(_x, 10);

    [Benchmark]
    public double VulkanNdcg()
    {
        double ndcg = _vulkan.Ndcg(_x, 10);
        Record("ndcg");
        return ndcg;
    }

    [Benchmark]
    public int CpuLevenshtein() => _cpu.Levenshtein(_a, _b);

    [Benchmark]
    public int VulkanLevenshtein()
    {
        int d = _vulkan.Levenshtein(_a, _b);
        Record("levenshtein");
        return d;
    }
}

/// <summary>The pointwise chain over a batch of 8 RGB 224 × 224 images, and a σ = 2 blur of one 512 × 512 image.
/// </summary>
[MemoryDiagnoser]
public class VulkanPerturbBenchmarks : VulkanCallBenchmarkBase
{
    private readonly PerturbCpu _cpu = new();
    private readonly PointwiseChain[] _chains =
        [.. Enumerable.Repeat(new PointwiseChain(1.1f, 0.9f, 1.2f, 0.05f), 8)];
    private readonly ulong[] _seeds = [.. Enumerable.Range(1, 8).Select(i => (ulong)i)];
    private readonly ImageShape _blurShape = new(3, 512, 512);
    private PerturbVulkan _vulkan = null!;
    private float[] _batch = [], _image = [];
    private ImageShape _shape;

    /// <summary>Image side of the pointwise batch.</summary>
    [Params(224)]
    public int Side { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _shape = new ImageShape(3, Side, Side);
        _batch = [.. Enumerable.Range(0, 8 * _shape.Size).Select(_ => (float)rng.NextDouble())];
        _image = [.. Enumerable.Range(0, _blurShape.Size).Select(_ => (float)rng.NextDouble())];
        _vulkan = new PerturbVulkan(Context);
    }

    [Benchmark(Baseline = true)]
    public void CpuPointwise() => _cpu.Pointwise(_batch, _shape, _chains, _seeds);

    [Benchmark]
    public void VulkanPointwise()
    {
        _vulkan.Pointwise(_batch, _shape, _chains, _seeds);
        Record("perturb_pointwise");
    }

    [Benchmark]
    public void CpuBlur() => _cpu.GaussianBlur(_image, _blurShape, 2f);

    [Benchmark]
    public void VulkanBlur()
    {
        _vulkan.GaussianBlur(_image, _blurShape, 2f);
        Record("perturb_blur");
    }
}
