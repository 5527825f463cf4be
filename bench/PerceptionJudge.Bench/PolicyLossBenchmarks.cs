using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;
using TorchTensor = PerceptionJudge.Torch.Tensor;

namespace PerceptionJudge.Bench;

/// <summary>
/// Vanilla dual-clip PPO loss with d loss / d log_prob over [rows][4096] tokens, token-mean.
/// Bytes per token for the fused kernel: read response_mask once for the aggregation factors (4 B), then read
/// old_log_prob, log_prob, advantages, response_mask (16 B) and write the gradient (4 B): 24 B/token versus Triad's
/// 12 B/element, so ratio 2.0 against Triad is the bandwidth roofline.
/// The eager version issues one TensorPrimitives call per op (about 40 passes over 4-byte arrays), as a tensor
/// library evaluating the same graph op by op would; its temporaries are allocated once in GlobalSetup.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class PolicyLossBenchmarks
{
    private const int Cols = 4096;
    private const float Lower = 0.8f, Upper = 1.2f, ClipC = 3f;

    private float[] _old = [], _lp = [], _adv = [], _mask = [], _grad = [];
    private float[][] _t = [];
    private float[] _half = [];
    private float[] _a = [], _b = [], _c = [];
    private TorchPolicyLoss? _torch;

    /// <summary>The eager version's metrics (kept so they are not dead code).</summary>
    public (double PpoKl, double Clipfrac, double Lower) Metrics { get; private set; }

    /// <summary>Tokens: 2048 rows × 4096 columns (128 MiB of inputs), far above the last-level cache.</summary>
    [Params(8_388_608)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_old, _lp, _adv, _mask) = PolicyLossOperands.Create(N, Cols);
        _grad = new float[N];

        _t = Enumerable.Range(0, 12).Select(_ => new float[N]).ToArray();
        _half = Enumerable.Repeat(0.5f, N).ToArray();
        _a = new float[N];
        _b = Enumerable.Repeat(1f, N).ToArray();
        _c = Enumerable.Repeat(2f, N).ToArray();
        float fused = Cpu(), eager = Eager();
        if (Math.Abs(fused - eager) > 1e-4 * Math.Max(1, Math.Abs(fused)))
        {
            throw new InvalidOperationException($"eager {eager} disagrees with fused {fused}");
        }

        _torch = TorchBench.TryCreate(() => new TorchPolicyLoss(_old, _lp, _adv, _mask));
    }

    [GlobalCleanup]
    public void Cleanup() => _torch?.Dispose();

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 3f);

    [Benchmark]
    public float Cpu() => Run(Backend.Cpu);

    [Benchmark]
    public float Reference() => Run(Backend.Reference);

    /// <summary>The same forward and backward, one TensorPrimitives pass per op; indicators as 0/1 floats.</summary>
    [Benchmark]
    public float Eager()
    {
        var (d, nak, inR, r, negA, l1, l2, c1, l3, neg, pg, dpg) =
            (_t[0], _t[1], _t[2], _t[3], _t[4], _t[5], _t[6], _t[7], _t[8], _t[9], _t[10], _t[11]);
        TensorPrimitives.Subtract(_lp, _old, d);
        TensorPrimitives.Min(d, 20f, nak);
        TensorPrimitives.Max(nak, -20f, nak);
        TensorPrimitives.Subtract(d, nak, inR);
        TensorPrimitives.Abs(inR, inR);
        Positive(inR);
        TensorPrimitives.Subtract(1f, inR, inR);         // in range = 1 − [|d − nak| > 0]
        TensorPrimitives.Exp(nak, r);
        TensorPrimitives.Negate(_adv, negA);
        TensorPrimitives.Multiply(negA, r, l1);
        TensorPrimitives.Min(r, Upper, l2);
        TensorPrimitives.Max(l2, Lower, l2);
        TensorPrimitives.Multiply(negA, l2, l2);
        TensorPrimitives.Max(l1, l2, c1);
        TensorPrimitives.Multiply(negA, ClipC, l3);
        TensorPrimitives.Min(l3, c1, pg);                          // c2
        TensorPrimitives.CopySign(_half, negA, neg);
        TensorPrimitives.Add(neg, 0.5f, neg);                      // [A < 0]
        TensorPrimitives.Subtract(pg, c1, pg);
        TensorPrimitives.MultiplyAdd(neg, pg, c1, pg);             // where(A < 0, c2, c1)
        double maskSum = TensorPrimitives.Sum(_mask);
        double loss = TensorPrimitives.Dot(pg, _mask) / (maskSum + 1e-8);
        double ppoKl = -TensorPrimitives.Dot(nak, _mask) / (maskSum + 1e-8);

        // Backward: d c1 = l1·[c1 = l1]; d c2 = d c1·[c1 < l3]; clip indicators for the metrics.
        TensorPrimitives.Subtract(c1, l1, dpg);
        Positive(dpg);
        double clipfrac = TensorPrimitives.Dot(dpg, _mask) / (maskSum + 1e-8);
        TensorPrimitives.Subtract(1f, dpg, dpg);
        TensorPrimitives.Multiply(dpg, l1, dpg);                   // d c1
        TensorPrimitives.Subtract(l3, c1, d);
        Positive(d);                                               // [c1 < l3]
        TensorPrimitives.Subtract(1f, d, l2);              // [c1 ≥ l3]
        TensorPrimitives.Multiply(l2, neg, l2);
        double lower = TensorPrimitives.Dot(l2, _mask) / (maskSum + 1e-8);
        TensorPrimitives.Multiply(d, dpg, d);                      // d c2
        TensorPrimitives.Subtract(d, dpg, d);
        TensorPrimitives.MultiplyAdd(neg, d, dpg, dpg);            // where(A < 0, d c2, d c1)
        TensorPrimitives.Multiply(dpg, inR, dpg);
        TensorPrimitives.Multiply(dpg, _mask, dpg);
        TensorPrimitives.Multiply(dpg, (float)(1.0 / (maskSum + 1e-8)), _grad);
        Metrics = (ppoKl, clipfrac, lower);
        return (float)loss;
    }

    /// <summary>
    /// verl <c>compute_policy_loss_vanilla</c> written in libtorch op by op (clamp, exp, maximum/minimum as where,
    /// the clip fractions, masked token-mean), then autograd's backward for d loss / d log_prob.
    /// </summary>
    [Benchmark]
    public double Torch()
    {
        var t = _torch ?? throw TorchBench.Missing;
        using var scope = LibTorch.NewDisposeScope();
        t.LogProb.ZeroGrad();
        var negApproxKl = Ops.Clamp(t.LogProb - t.Old, -20, 20);
        var ratio = Ops.Exp(negApproxKl);
        var maskSum = t.Mask.Sum() + 1e-8;
        var ppoKl = (-negApproxKl * t.Mask).Sum() / maskSum;
        var negAdv = -t.Adv;
        var loss1 = negAdv * ratio;
        var loss2 = negAdv * Ops.Clamp(ratio, Lower, Upper);
        var clip1 = Ops.Where(Ops.Gt(loss1, loss2), loss1, loss2);                   // torch.maximum
        var clipfrac = (Ops.Gt(loss2, loss1).To(DType.Float32) * t.Mask).Sum() / maskSum;
        var loss3 = negAdv * ClipC;
        var clip2 = Ops.Where(Ops.Lt(loss3, clip1), loss3, clip1);                   // torch.minimum
        var negative = Ops.Lt(t.Adv, t.Zero);
        var lower = (Ops.Gt(clip1, loss3).To(DType.Float32) * negative.To(DType.Float32) * t.Mask).Sum() / maskSum;
        var pg = Ops.Where(negative, clip2, clip1);
        var loss = (pg * t.Mask).Sum() / maskSum;
        loss.Backward();
        return loss.Item() + ppoKl.Item() + clipfrac.Item() + lower.Item();
    }

    private sealed class TorchPolicyLoss : TorchBench
    {
        public TorchPolicyLoss(float[] old, float[] lp, float[] adv, float[] mask)
        {
            Old = Own(TorchTensor.From<float>(old, old.Length / Cols, Cols));
            LogProb = Own(TorchTensor.From<float>(lp, lp.Length / Cols, Cols));
            LogProb.RequiresGrad = true;
            Adv = Own(TorchTensor.From<float>(adv, adv.Length / Cols, Cols));
            Mask = Own(TorchTensor.From<float>(mask, mask.Length / Cols, Cols));
            Zero = Own(TorchTensor.Scalar(0));
        }

        public TorchTensor Old { get; }

        public TorchTensor LogProb { get; }

        public TorchTensor Adv { get; }

        public TorchTensor Mask { get; }

        public TorchTensor Zero { get; }
    }

    private float Run(Backend backend) =>
        PolicyLossKernels.For(backend).Compute(
            PolicyLossMode.Vanilla, new PolicyLossInput(_old, _lp, _adv, _mask, N / Cols, Cols), _grad,
            new PolicyLossOptions()).PgLoss;

    /// <summary>x ← [x &gt; 0] as 0/1 (x·1e30 saturated to [0, 1]).</summary>
    private static void Positive(float[] x)
    {
        TensorPrimitives.Multiply(x, 1e30f, x);
        TensorPrimitives.Max(x, 0f, x);
        TensorPrimitives.Min(x, 1f, x);
    }

}
