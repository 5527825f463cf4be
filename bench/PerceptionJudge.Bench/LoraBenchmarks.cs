using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// LoRA merge W ← W + scale·B·A for W [4096][4096], r = 32: 2·4096·4096·32 = 1.074 GFLOP per call, so
/// GFLOP/s = 1.074 / time(s). Compute-bound: the baseline is <see cref="FmaPeak"/> (all threads, FMA chains; its
/// GFLOP/s = threads · 2^22 · 12 · 2 · lanes / time, see <see cref="MachinePeakBenchmarks"/>). Bytes: W is read and
/// written once (8 B per element, 128 MiB), A and B are small. ReferenceSmall runs the scalar spec on the first
/// 256 rows only (1/16 of the flops). Eager is what an op-by-op library does without a GEMM: one axpy per (row, k),
/// r passes over each row of W.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class LoraBenchmarks
{
    private const int Out = 4096, In = 4096, Rank = 32, SmallRows = 256;
    private static readonly LoraShape s_shape = new(Out, In, Rank);
    private static readonly LoraShape s_small = new(SmallRows, In, Rank);
    private readonly MachinePeakBenchmarks _peak = new();
    private float[] _w = [], _a = [], _b = [];
    private TorchLora? _torch;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        float[] Fill(int n, double s) =>
            Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * s)).ToArray();
        _w = Fill(Out * In, 0.1);
        _a = Fill(Rank * In, 0.02);
        _b = Fill(Out * Rank, 0.02);
        _torch = TorchBench.TryCreate(() => new TorchLora(_w, _a, _b));
    }

    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    /// <summary>PEFT <c>merge</c> through libtorch op by op: delta = (B @ A)·scale, then W += delta.</summary>
    [Benchmark]
    public long Torch()
    {
        var t = _torch ?? throw TorchBench.Missing;
        using var scope = LibTorch.NewDisposeScope();
        var delta = t.B.MatMul(t.A) * 1e-3;
        t.W.Add_(delta);
        return delta.Numel;
    }

    private sealed class TorchLora : TorchBench
    {
        public TorchLora(float[] w, float[] a, float[] b)
        {
            W = Own(TorchTensor.From<float>(w, Out, In));
            A = Own(TorchTensor.From<float>(a, Rank, In));
            B = Own(TorchTensor.From<float>(b, Out, Rank));
        }

        public TorchTensor W { get; }

        public TorchTensor A { get; }

        public TorchTensor B { get; }
    }

    /// <summary>The machine's FMA roof (MachinePeakBenchmarks.FmaPeak, same run).</summary>
    [Benchmark(Baseline = true)]
    public float FmaPeak() => _peak.FmaPeak();

    [Benchmark]
    public void Cpu() => LoraKernels.For(Backend.Cpu).AddScaledProduct(_w, _a, _b, s_shape, 1e-3f, true);

    /// <summary>The scalar spec on 256 of the 4096 rows (multiply its time by 16 to compare).</summary>
    [Benchmark]
    public void ReferenceSmall() =>
        LoraKernels.For(Backend.Reference).AddScaledProduct(
            _w.AsSpan(0, SmallRows * In), _a, _b.AsSpan(0, SmallRows * Rank), s_small, 1e-3f, true);

    /// <summary>Op by op: W[o] += (scale·B[o][k])·A[k] for every (o, k), rows in parallel chunks.</summary>
    [Benchmark]
    public void Eager() => Parallel.For(0, Out / 64, c =>
    {
        for (int o = c * 64; o < (c + 1) * 64; o++)
        {
            var row = _w.AsSpan(o * In, In);
            for (int k = 0; k < Rank; k++)
            {
                TensorPrimitives.MultiplyAdd(_a.AsSpan(k * In, In), 1e-3f * _b[o * Rank + k], row, row);
            }
        }
    });
}
