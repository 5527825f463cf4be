using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// One AdamW step over 16M parameters in 7 tensors (4 state arrays × 64 MiB, far above the LLC), with and without
/// global grad-norm clipping. Bytes per parameter for the fused kernel: the norm pass reads g (4 B), the update
/// reads p, g, m, v and writes p, m, v (28 B): 32 B/param versus Triad's 12 B/element, so ratio 2.67 against
/// Triad is the bandwidth roofline (2.33 for the update pass alone).
/// Eager mirrors torch's <c>_multi_tensor_adamw</c> foreach sequence, one TensorPrimitives pass per op
/// (norm, clip, mul, lerp, mul, addcmul, sqrt, div, add, addcdiv); its temporaries are allocated in GlobalSetup.
/// TorchOptim is libtorch's own optimizer (<c>torch::optim::AdamW</c>, plus <c>clip_grad_norm_</c> when clipping)
/// stepping its own copy of the parameters, with the grads set once in GlobalSetup.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class OptimBenchmarks
{
    private const int M = 1 << 20;
    private static readonly int[] s_sizes = [4 * M, 1 * M, 1 * M, 4 * M, 2 * M, 2 * M, 2 * M];
    private static readonly AdamWOptions s_noClip = new(Lr: 1e-4, WeightDecay: 0.01);
    private static readonly AdamWOptions s_clip = s_noClip with { MaxGradNorm = 1.0 };

    private ParamSlot[] _slots = [];
    private float[][] _p = [], _g = [], _m = [], _v = [];
    private float[] _t0 = [], _t1 = [], _t2 = [];
    private float[] _a = [], _b = [], _c = [];
    private TorchAdamW? _torch;
    private TorchOptimizer? _torchOptim;

    /// <summary>Fuse global grad-norm clipping (max_norm 1) into the step.</summary>
    [Params(false, true)]
    public bool Clip { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        float[] Fill(int n, double s) =>
            Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * s)).ToArray();
        _p = [.. s_sizes.Select(n => Fill(n, 0.2))];
        _g = [.. s_sizes.Select(n => Fill(n, 1e-3))];
        _m = [.. s_sizes.Select(n => Fill(n, 1e-4))];
        _v = [.. s_sizes.Select(n => Fill(n, 1e-6).Select(Math.Abs).ToArray())];
        _slots = [.. _p.Select((p, i) => ParamSlot.Of(p, _g[i], _m[i], _v[i]))];
        int max = s_sizes.Max();
        (_t0, _t1, _t2) = (new float[max], new float[max], new float[max]);
        int total = s_sizes.Sum();
        _a = new float[total];
        _b = Enumerable.Repeat(1f, total).ToArray();
        _c = Enumerable.Repeat(2f, total).ToArray();
        _torch = TorchBench.TryCreate(() => new TorchAdamW(_p, _g, _m, _v));
        _torchOptim = TorchBench.TryCreate(() => new TorchOptimizer(_p, _g, s_noClip));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch?.Dispose();
        _torchOptim?.Dispose();
    }

    /// <summary>
    /// torch <c>clip_grad_norm_</c> + <c>_multi_tensor_adamw</c> (step 10) through libtorch op by op, the foreach
    /// sequence one tensor at a time: norms, then mul_(1 − lr·wd), lerp_ as mul_ + add_, mul_ + addcmul_ as
    /// add_(g·g), sqrt, div, add ε, addcdiv_ as add_(m / denom). Clipping scales a copy of g, as the Eager variant.
    /// </summary>
    [Benchmark]
    public double Torch()
    {
        var t = _torch ?? throw TorchBench.Missing;
        using var scope = LibTorch.NewDisposeScope();
        var o = Clip ? s_clip : s_noClip;
        double sum = 0;
        foreach (var g in t.G)
        {
            double n = Ops.Sqrt((g * g).Sum()).Item();
            sum += n * n;
        }

        double norm = Math.Sqrt(sum);
        double coef = Clip ? Math.Min(1.0, o.MaxGradNorm!.Value / (norm + 1e-6)) : 1.0;
        const int step = 10;
        double stepSize = o.Lr / (1 - Math.Pow(o.Beta1, step));
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(o.Beta2, step));
        for (int i = 0; i < t.P.Length; i++)
        {
            var g = Clip ? t.G[i] * coef : t.G[i];
            t.P[i].Mul_(1 - o.Lr * o.WeightDecay);
            t.M[i].Mul_(o.Beta1).Add_(g, 1 - o.Beta1);
            t.V[i].Mul_(o.Beta2).Add_(g * g, 1 - o.Beta2);
            var denom = Ops.Sqrt(t.V[i]) * (1 / bc2Sqrt) + o.Eps;
            t.P[i].Add_(t.M[i] / denom, -stepSize);
        }

        return norm;
    }

    /// <summary>
    /// libtorch's own <c>torch::optim::AdamW</c> step (C++ API, per tensor: mul_, mul_ + add_, mul_ + addcmul_, sqrt,
    /// div, add_, addcdiv_), preceded by <c>torch::nn::utils::clip_grad_norm_</c> (per-tensor norms, stack, norm, mul_
    /// of every grad) when Clip is set. clip_grad_norm_ scales the grads in place, so after the first call they have
    /// norm ≈ 1 and the coefficient is ≈ 1, but every call still reads and writes every grad: the work is the same.
    /// Returns the pre-clip norm when clipping, else 0 (libtorch's step computes no norm).
    /// </summary>
    [Benchmark]
    public double TorchOptim()
    {
        var t = _torchOptim ?? throw TorchBench.Missing;
        double norm = Clip ? AdamW.ClipGradNorm(t.Parameters, s_clip.MaxGradNorm!.Value) : 0;
        t.Optimizer.Step();
        return norm;
    }

    private sealed class TorchOptimizer : TorchBench
    {
        public TorchOptimizer(float[][] p, float[][] g, AdamWOptions o)
        {
            Parameters = [.. p.Select(x => Own(TorchTensor.From<float>(x, x.Length)))];
            for (int i = 0; i < Parameters.Length; i++)
            {
                // Backward of a leaf with an explicit gradient sets its .grad to that gradient.
                Parameters[i].RequiresGrad = true;
                using var grad = TorchTensor.From<float>(g[i], g[i].Length);
                Parameters[i].Backward(grad);
            }

            Optimizer = new AdamW(Parameters, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay);
        }

        public TorchTensor[] Parameters { get; }

        public AdamW Optimizer { get; }

        protected override void Dispose(bool disposing)
        {
            Optimizer.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class TorchAdamW : TorchBench
    {
        public TorchAdamW(float[][] p, float[][] g, float[][] m, float[][] v)
        {
            TorchTensor[] Copy(float[][] xs) => [.. xs.Select(x => Own(TorchTensor.From<float>(x, x.Length)))];
            (P, G, M, V) = (Copy(p), Copy(g), Copy(m), Copy(v));
        }

        public TorchTensor[] P { get; }

        public TorchTensor[] G { get; }

        public TorchTensor[] M { get; }

        public TorchTensor[] V { get; }
    }

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 3f);

    [Benchmark]
    public double Cpu() => FusedAdamW.Step(OptimKernels.For(Backend.Cpu), _slots, 10, Clip ? s_clip : s_noClip);

    [Benchmark]
    public double Reference() =>
        FusedAdamW.Step(OptimKernels.For(Backend.Reference), _slots, 10, Clip ? s_clip : s_noClip);

    /// <summary>torch foreach AdamW op by op (step 10), clip as clip_grad_norm_ into a scaled copy of g.</summary>
    [Benchmark]
    public double Eager()
    {
        var o = Clip ? s_clip : s_noClip;
        double sum = 0;
        foreach (var g in _g)
        {
            float n = TensorPrimitives.Norm<float>(g);
            sum += (double)n * n;
        }

        double norm = Math.Sqrt(sum);
        float coef = Clip ? (float)Math.Min(1.0, o.MaxGradNorm!.Value / (norm + 1e-6)) : 1f;
        const int step = 10;
        float stepSize = (float)(o.Lr / (1 - Math.Pow(o.Beta1, step)));
        float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(o.Beta2, step));
        for (int i = 0; i < _p.Length; i++)
        {
            int n = _p[i].Length;
            Span<float> p = _p[i], m = _m[i], v = _v[i], t0 = _t0.AsSpan(0, n), t1 = _t1.AsSpan(0, n);
            ReadOnlySpan<float> g = _g[i];
            if (Clip)
            {
                var gs = _t2.AsSpan(0, n);
                TensorPrimitives.Multiply(g, coef, gs);
                g = gs;
            }

            TensorPrimitives.Multiply(p, (float)(1 - o.Lr * o.WeightDecay), p);
            TensorPrimitives.Lerp(m, g, (float)(1 - o.Beta1), m);
            TensorPrimitives.Multiply(v, (float)o.Beta2, v);
            TensorPrimitives.Multiply(g, g, t0);
            TensorPrimitives.MultiplyAdd(t0, (float)(1 - o.Beta2), v, v);
            TensorPrimitives.Sqrt(v, t0);
            TensorPrimitives.Divide(t0, bc2Sqrt, t0);
            TensorPrimitives.Add(t0, (float)o.Eps, t0);
            TensorPrimitives.Divide(m, t0, t1);
            TensorPrimitives.MultiplyAdd(t1, -stepSize, p, p);
        }

        return norm;
    }
}
