using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// GRPO outcome advantages (verl <c>compute_grpo_outcome_advantage</c>) on <see cref="Rewards"/> rows of one token
/// each (cols = 1: outcome rewards), groups of <see cref="GroupSize"/> consecutive rows (verl's repeat-interleaved
/// rollouts). Bytes per element for the Cpu kernel: reads rewards 4 + mask 4 + CSR members 4, writes advantages 4 +
/// returns 4 = 20 B, plus the NaN/Inf entry checks re-reading rewards and mask (8 B) = 28 B; Triad moves 12 B
/// (16 B counting the write-allocate). GB/s = bytes · Rewards / time.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class AdvantageBenchmarks
{
    private readonly AdvantageCpu _cpu = new();
    private readonly AdvantageReference _reference = new();
    private readonly AdvantageOptions _options = new();
    private float[] _rewards = [];
    private float[] _mask = [];
    private float[] _advantages = [];
    private float[] _returns = [];
    private GroupIndex _index = null!;
    private TorchAdvantage? _torch;

    // Eager temporaries, allocated once.
    private float[] _groupMean = [];
    private float[] _groupStd = [];
    private float[] _expanded = [];
    private float[] _centred = [];
    private float[] _squared = [];

    // Triad operands of the same length.
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>Number of rewards (rows; cols = 1).</summary>
    [Params(1 << 24, 1 << 20)]
    public int Rewards { get; set; }

    /// <summary>Responses per prompt.</summary>
    [Params(8, 5)]
    public int GroupSize { get; set; }

    private int Groups => Rewards / GroupSize;

    private int Rows => Groups * GroupSize;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        int rows = Rows;
        _rewards = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            _rewards[i] = rng.Next(2);
        }

        _mask = Enumerable.Repeat(1f, rows).ToArray();
        _advantages = new float[rows];
        _returns = new float[rows];
        var dense = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            dense[i] = i / GroupSize;
        }

        _index = GroupIndex.FromDense(dense, Groups);
        _groupMean = new float[Groups];
        _groupStd = new float[Groups];
        _expanded = new float[rows];
        _centred = new float[rows];
        _squared = new float[rows];
        _a = new float[rows];
        _b = Enumerable.Repeat(1f, rows).ToArray();
        _c = Enumerable.Repeat(2f, rows).ToArray();
        _torch = TorchBench.TryCreate(() => new TorchAdvantage(_rewards, _mask, GroupSize));
    }

    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 3f);

    [Benchmark]
    public void CpuGrpo() =>
        _cpu.Grpo(new AdvantageInput(_rewards, _mask, Rows, 1, _index), _advantages, _returns, _options);

    [Benchmark]
    public void ReferenceGrpo() =>
        _reference.Grpo(new AdvantageInput(_rewards, _mask, Rows, 1, _index), _advantages, _returns, _options);

    /// <summary>
    /// The same math op by op, as PyTorch eager would run it on <c>scores.view(-1, G)</c>: group sums, expand,
    /// subtract, square, group sums, sqrt, add ε, expand, divide, multiply by the mask, copy to returns.
    /// </summary>
    [Benchmark]
    public void EagerGrpo()
    {
        int g = GroupSize;
        var scores = _rewards.AsSpan(0, Rows);
        for (int k = 0; k < Groups; k++)
        {
            _groupMean[k] = TensorPrimitives.Sum(scores.Slice(k * g, g)) / g;
        }

        Expand(_groupMean, _expanded, g);
        TensorPrimitives.Subtract(scores, _expanded, _centred);
        TensorPrimitives.Multiply(_centred, _centred, _squared);
        for (int k = 0; k < Groups; k++)
        {
            _groupStd[k] = TensorPrimitives.Sum(_squared.AsSpan(k * g, g)) / (g - 1);
        }

        TensorPrimitives.Sqrt(_groupStd, _groupStd);
        TensorPrimitives.Add(_groupStd, _options.Epsilon, _groupStd);
        Expand(_groupStd, _expanded, g);
        TensorPrimitives.Divide(_centred, _expanded, _advantages);
        TensorPrimitives.Multiply(_advantages, _mask, _advantages);
        _advantages.AsSpan().CopyTo(_returns);
    }

    /// <summary>
    /// verl's GRPO through libtorch op by op on <c>scores.view(-1, G)</c> (equal groups, so the per-group loop
    /// becomes a reshape): mean over dim 1, centred, unbiased std = sqrt(Σ centred² / (G − 1)), divide by std + ε,
    /// multiply by the mask.
    /// </summary>
    [Benchmark]
    public long TorchGrpo()
    {
        var t = _torch ?? throw TorchBench.Missing;
        using var scope = LibTorch.NewDisposeScope();
        var scores = t.Scores;
        var centred = scores - scores.Mean([1], keepdim: true);
        var std = Ops.Sqrt((centred * centred).Sum([1], keepdim: true) * (1.0 / (GroupSize - 1)));
        var advantages = centred / (std + _options.Epsilon) * t.Mask;
        return advantages.Numel;
    }

    private sealed class TorchAdvantage : TorchBench
    {
        public TorchAdvantage(float[] rewards, float[] mask, int groupSize)
        {
            Scores = Own(TorchTensor.From<float>(rewards, rewards.Length / groupSize, groupSize));
            Mask = Own(TorchTensor.From<float>(mask, mask.Length / groupSize, groupSize));
        }

        public TorchTensor Scores { get; }

        public TorchTensor Mask { get; }
    }

    /// <summary><c>repeat_interleave</c>: each group value written to its <paramref name="g"/> rows.</summary>
    private static void Expand(float[] perGroup, float[] perRow, int g)
    {
        for (int k = 0; k < perGroup.Length; k++)
        {
            perRow.AsSpan(k * g, g).Fill(perGroup[k]);
        }
    }
}
