using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// Fused entropy + chosen-token log-prob forward over logits [Tokens][Vocab] (512 × 32768 = 64 MiB, above the LLC).
/// Bytes moved per logit: forward 4 (one read), backward 12 (two reads of the logits + one write of the gradient),
/// triad 12. GB/s = bytes × Tokens × Vocab / time. <c>Eager</c> is the same math one TensorPrimitives call per op
/// per row (Max, Subtract, Exp, Sum, Dot) with a preallocated row temporary, single-threaded as a PyTorch-eager
/// CPU graph would issue them.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class LogProbBenchmarks
{
    private float[] _logits = [];
    private int[] _labels = [];
    private float[] _entropy = [];
    private float[] _logProb = [];
    private float[] _gradLogits = [];
    private float[] _ones = [];
    private float[] _rowTemp = [];
    private float[] _a = [], _b = [], _c = [];
    private readonly LogProbCpu _cpu = new();
    private readonly LogProbReference _reference = new();
    private TorchLogits? _torch;

    [Params(512)]
    public int Tokens { get; set; }

    [Params(32768)]
    public int Vocab { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        int n = Tokens * Vocab;
        _logits = new float[n];
        for (int i = 0; i < n; i++)
        {
            _logits[i] = (float)(rng.NextDouble() * 8 - 4);
        }

        _labels = Enumerable.Range(0, Tokens).Select(_ => rng.Next(Vocab)).ToArray();
        _entropy = new float[Tokens];
        _logProb = new float[Tokens];
        _ones = Enumerable.Repeat(1f, Tokens).ToArray();
        _gradLogits = new float[n];
        _rowTemp = new float[Vocab];
        _a = new float[n];
        _b = Enumerable.Repeat(1f, n).ToArray();
        _c = Enumerable.Repeat(2f, n).ToArray();
        _torch = TorchBench.TryCreate(() => new TorchLogits(_logits, _labels, Tokens, Vocab));
    }

    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    /// <summary>
    /// verl <c>logprobs_from_logits</c> + <c>entropy_from_logits</c> through libtorch op by op:
    /// log_softmax, gather of the labels, entropy = −Σ p·log p with p = exp(log_softmax).
    /// </summary>
    [Benchmark]
    public long Torch()
    {
        var t = _torch ?? throw TorchBench.Missing;
        using var scope = LibTorch.NewDisposeScope();
        var logSoftmax = t.Logits.LogSoftmax(1);
        var logProb = Ops.Gather(logSoftmax, 1, t.Labels);
        var entropy = -(Ops.Exp(logSoftmax) * logSoftmax).Sum([1]);
        return logProb.Numel + entropy.Numel;
    }

    private sealed class TorchLogits : TorchBench
    {
        public TorchLogits(float[] logits, int[] labels, int tokens, int vocab)
        {
            Logits = Own(TorchTensor.From<float>(logits, tokens, vocab));
            Labels = Own(TorchTensor.From<long>(labels.Select(l => (long)l).ToArray(), tokens, 1));
        }

        public TorchTensor Logits { get; }

        public TorchTensor Labels { get; }
    }

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 0.5f);

    [Benchmark]
    public void Cpu() => _cpu.Forward(_logits, _labels, Tokens, Vocab, 1f, _entropy, _logProb);

    [Benchmark]
    public void Reference() => _reference.Forward(_logits, _labels, Tokens, Vocab, 1f, _entropy, _logProb);

    [Benchmark]
    public void Eager()
    {
        for (int t = 0; t < Tokens; t++)
        {
            var row = _logits.AsSpan(t * Vocab, Vocab);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, _rowTemp);
            TensorPrimitives.Exp(_rowTemp, _rowTemp);
            float sum = TensorPrimitives.Sum(_rowTemp);
            float lse = max + MathF.Log(sum);
            float meanZ = TensorPrimitives.Dot(_rowTemp, row) / sum;
            _entropy[t] = lse - meanZ;
            _logProb[t] = row[_labels[t]] - lse;
        }
    }

    [Benchmark]
    public void CpuBackward() =>
        _cpu.Backward(_logits, _labels, Tokens, Vocab, 1f, _ones, _ones, _gradLogits);
}
