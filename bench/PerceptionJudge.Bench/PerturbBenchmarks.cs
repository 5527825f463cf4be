using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// Perturbations over a batch of 448×448 RGB planar images (Images × 3 × 448² floats; 32 images = 77 MB, far above
/// the LLC). The fused pointwise chain (brightness, contrast, saturation, hashed noise) reads and writes each value
/// once: 8 bytes per element, against Triad's 12 over arrays of the same length. One-at-a-time runs the same four
/// stages as four kernel passes (32 B/elem); Eager is the TensorPrimitives style (one call per op, clamps included,
/// noise pre-generated in setup), ~20 passes. Blur (σ = 2) and JPEG (q = 30) give per-image costs for pairs/second.
/// </summary>
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class PerturbBenchmarks
{
    private const int Side = 448;
    private static readonly ImageShape s_shape = new(3, Side, Side);
    private static readonly PointwiseChain s_chain = new(1.1f, 0.9f, 1.2f, 0.03f);
    private readonly IPerturbKernels _cpu = PerturbKernels.For(Backend.Cpu);
    private readonly IPerturbKernels _reference = PerturbKernels.For(Backend.Reference);
    private float[] _batch = [], _noise = [], _luma = [], _a = [], _b = [], _c = [];
    private PointwiseChain[] _chains = [];
    private ulong[] _seeds = [];
    private TorchImages? _torch;

    [Params(32)]
    public int Images { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int n = Images * s_shape.Size;
        var rng = new Random(20261122);
        _batch = new float[n];
        _noise = new float[n];
        for (int i = 0; i < n; i++)
        {
            _batch[i] = (float)rng.NextDouble();
            _noise[i] = HashRng.Normal(7, (ulong)i);
        }

        _luma = new float[s_shape.Plane];
        _chains = Enumerable.Repeat(s_chain, Images).ToArray();
        _seeds = Enumerable.Range(0, Images).Select(i => (ulong)i).ToArray();
        _a = new float[n];
        _b = (float[])_batch.Clone();
        _c = (float[])_noise.Clone();
        _torch = TorchBench.TryCreate(() => new TorchImages(_batch, _noise, Images));
    }

    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    /// <summary>
    /// The same chain as <see cref="Eager"/> through libtorch op by op on the [N, 3, H, W] batch (torchvision
    /// style: each stage a new tensor, clamped to [0, 1]; luma from the three channel slices; pre-drawn noise).
    /// </summary>
    [Benchmark]
    public long Torch()
    {
        var t = _torch ?? throw TorchBench.Missing;
        using var scope = LibTorch.NewDisposeScope();
        var c = s_chain;
        var x = Ops.Clamp(t.Batch * c.Brightness, 0, 1);
        x = Ops.Clamp(x * c.Contrast + (0.5 - 0.5 * c.Contrast), 0, 1);
        var luma = x.Narrow(1, 0, 1) * 0.299 + x.Narrow(1, 1, 1) * 0.587 + x.Narrow(1, 2, 1) * 0.114;
        x = Ops.Clamp((x - luma) * c.Saturation + luma, 0, 1);
        x = Ops.Clamp(x + t.Noise * c.NoiseStd, 0, 1);
        return x.Numel;
    }

    private sealed class TorchImages : TorchBench
    {
        public TorchImages(float[] batch, float[] noise, int images)
        {
            Batch = Own(TorchTensor.From<float>(batch, images, 3, Side, Side));
            Noise = Own(TorchTensor.From<float>(noise, images, 3, Side, Side));
        }

        public TorchTensor Batch { get; }

        public TorchTensor Noise { get; }
    }

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 3f);

    [Benchmark]
    public void FusedChain() => _cpu.Pointwise(_batch, s_shape, _chains, _seeds);

    [Benchmark]
    [BenchmarkCategory(BenchConfig.SecondaryCategory)]
    public void FusedChainNoNoise() =>
        _cpu.Pointwise(_batch, s_shape, Enumerable.Repeat(s_chain with { NoiseStd = 0 }, Images).ToArray(), _seeds);

    [Benchmark]
    public void OneAtATime()
    {
        var id = PointwiseChain.Identity;
        _cpu.Pointwise(_batch, s_shape, Stage(id with { Brightness = s_chain.Brightness }), _seeds);
        _cpu.Pointwise(_batch, s_shape, Stage(id with { Contrast = s_chain.Contrast }), _seeds);
        _cpu.Pointwise(_batch, s_shape, Stage(id with { Saturation = s_chain.Saturation }), _seeds);
        _cpu.Pointwise(_batch, s_shape, Stage(id with { NoiseStd = s_chain.NoiseStd }), _seeds);
    }

    private PointwiseChain[] Stage(PointwiseChain c) => Enumerable.Repeat(c, Images).ToArray();

    [Benchmark]
    public void Eager()
    {
        int plane = s_shape.Plane;
        for (int n = 0; n < Images; n++)
        {
            var img = _batch.AsSpan(n * s_shape.Size, s_shape.Size);
            var noise = _noise.AsSpan(n * s_shape.Size, s_shape.Size);
            Clamp(img, x => TensorPrimitives.Multiply(x, s_chain.Brightness, x));
            Clamp(img, x =>
            {
                TensorPrimitives.Multiply(x, s_chain.Contrast, x);
                TensorPrimitives.Add(x, 0.5f - 0.5f * s_chain.Contrast, x);
            });
            var l = _luma.AsSpan();
            TensorPrimitives.Multiply(img[..plane], 0.299f, l);
            TensorPrimitives.MultiplyAdd(img.Slice(plane, plane), 0.587f, l, l);
            TensorPrimitives.MultiplyAdd(img.Slice(2 * plane, plane), 0.114f, l, l);
            for (int c = 0; c < 3; c++)
            {
                var x = img.Slice(c * plane, plane);
                TensorPrimitives.Subtract(x, l, x);
                TensorPrimitives.MultiplyAdd(x, s_chain.Saturation, l, x);
            }

            Clamp01(img);
            TensorPrimitives.MultiplyAdd(noise, s_chain.NoiseStd, img, img);
            Clamp01(img);
        }
    }

    private delegate void SpanOp(Span<float> x);

    private static void Clamp(Span<float> x, SpanOp op)
    {
        op(x);
        Clamp01(x);
    }

    private static void Clamp01(Span<float> x)
    {
        TensorPrimitives.Max(x, 0f, x);
        TensorPrimitives.Min(x, 1f, x);
    }

    [Benchmark]
    public void ReferenceChain() => _reference.Pointwise(_batch, s_shape, _chains, _seeds);

    [Benchmark]
    [BenchmarkCategory(BenchConfig.SecondaryCategory)]
    public void BlurSigma2()
    {
        for (int n = 0; n < Images; n++)
        {
            _cpu.GaussianBlur(_batch.AsSpan(n * s_shape.Size, s_shape.Size), s_shape, 2f);
        }
    }

    [Benchmark]
    [BenchmarkCategory(BenchConfig.SecondaryCategory)]
    public void JpegQuality30()
    {
        for (int n = 0; n < Images; n++)
        {
            _cpu.JpegQuantise(_batch.AsSpan(n * s_shape.Size, s_shape.Size), s_shape, 30);
        }
    }
}
