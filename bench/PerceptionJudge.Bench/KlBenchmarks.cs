using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// verl <c>low_var_kl</c> (k3) with d kl / d logprob over <see cref="N"/> tokens (8M: 2 × 32 MiB of inputs, far above
/// the LLC). Bytes per token: read logprob and ref_logprob (8 B), write kl and the gradient (8 B): 16 B against
/// Triad's 12 B, so ratio 1.33 against Triad is the bandwidth roofline. Eager is the same forward and hand-written
/// backward one TensorPrimitives pass per op; Torch is what a PyTorch user writes: the forward op by op through
/// libtorch, then autograd's backward.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class KlBenchmarks
{
    private float[] _lp = [], _ref = [], _kl = [], _grad = [];
    private float[][] _t = [];
    private float[] _a = [], _b = [], _c = [];
    private TorchOperands? _torch;

    /// <summary>Tokens (rows × cols flattened).</summary>
    [Params(8_388_608)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _lp = new float[N];
        _ref = new float[N];
        for (int k = 0; k < N; k++)
        {
            _lp[k] = -2f + (float)(rng.NextDouble() - 0.5);
            _ref[k] = _lp[k] + 0.4f * (float)(rng.NextDouble() - 0.5);
        }

        (_kl, _grad) = (new float[N], new float[N]);
        _t = Enumerable.Range(0, 4).Select(_ => new float[N]).ToArray();
        _a = new float[N];
        _b = Enumerable.Repeat(1f, N).ToArray();
        _c = Enumerable.Repeat(2f, N).ToArray();
        _torch = TorchOperands.TryCreate(() => new TorchOperands(_lp, _ref));
    }

    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 3f);

    [Benchmark]
    public void Cpu() => KlKernels.For(Backend.Cpu).Compute(KlEstimator.K3, false, _lp, _ref, _kl, _grad);

    [Benchmark]
    public void Reference() =>
        KlKernels.For(Backend.Reference).Compute(KlEstimator.K3, false, _lp, _ref, _kl, _grad);

    /// <summary>
    /// x = clamp(ref − lp), r = eˣ, kld = r − x − 1, kl = clamp(kld); ∂ = −(r − 1)·[pass] (no NaN check).
    /// </summary>
    [Benchmark]
    public void Eager()
    {
        var (x, r, pass, tmp) = (_t[0], _t[1], _t[2], _t[3]);
        TensorPrimitives.Subtract(_ref, _lp, x);
        TensorPrimitives.Clamp(x, -20f, 20f, tmp);
        TensorPrimitives.Subtract(x, tmp, pass);
        TensorPrimitives.Abs(pass, pass);                     // |x − clamp(x)| > 0 outside the range
        TensorPrimitives.Exp(tmp, r);
        TensorPrimitives.Subtract(r, tmp, x);
        TensorPrimitives.Subtract(x, 1f, x);                  // kld
        TensorPrimitives.Clamp(x, -10f, 10f, _kl);
        TensorPrimitives.Subtract(x, _kl, tmp);
        TensorPrimitives.Abs(tmp, tmp);
        TensorPrimitives.Add(pass, tmp, pass);
        TensorPrimitives.Multiply(pass, 1e30f, pass);
        TensorPrimitives.Min(pass, 1f, pass);
        TensorPrimitives.Subtract(1f, pass, pass);            // [inside both clamps]
        TensorPrimitives.Subtract(1f, r, r);                  // −(r − 1)
        TensorPrimitives.Multiply(r, pass, _grad);
    }

    /// <summary>torch: kl = clamp(exp(clamp(ref − lp)) − x − 1, −10, 10); kl.sum().backward() for d kl / d lp.
    /// </summary>
    [Benchmark]
    public double Torch()
    {
        var t = _torch ?? throw TorchOperands.Missing;
        using var scope = LibTorch.NewDisposeScope();
        t.LogProb.ZeroGrad();
        var x = Ops.Clamp(t.Ref - t.LogProb, -20, 20);
        var kl = Ops.Clamp(Ops.Exp(x) - x - 1, -10, 10);
        var total = kl.Sum();
        total.Backward();
        return t.LogProb.Grad!.Numel;
    }

    private sealed class TorchOperands : TorchBench
    {
        public TorchOperands(float[] lp, float[] reference)
        {
            LogProb = Own(TorchTensor.From<float>(lp, lp.Length));
            LogProb.RequiresGrad = true;
            Ref = Own(TorchTensor.From<float>(reference, reference.Length));
        }

        public TorchTensor LogProb { get; }

        public TorchTensor Ref { get; }
    }
}
