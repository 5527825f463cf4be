using System.Numerics.Tensors;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Fast policy losses. <c>vanilla</c> is one fused pass per token (Vector512, else Vector256, scalar tail):
/// clamp, exp, both clips, the dual clip, the clip indicators and the final gradient d pg / d log_prob · m · s_i, with
/// per-row partial sums (float lanes within a row, double per row) combined in row order. The aggregation factor s_i
/// (<see cref="AggMath"/>) depends on the mask only, so a pre-pass over the mask computes it first. Row chunks run
/// in parallel via <see cref="Partition.For"/>; the result does not depend on the thread count. The other modes run
/// the shared scalar code of <see cref="PolicyLossReference"/>. Tie rules as in <see cref="PolicyLossMath"/>.
/// </summary>
public sealed class PolicyLossCpu : IPolicyLossKernels
{
    /// <inheritdoc />
    public PolicyLossResult Compute(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options) =>
        mode == PolicyLossMode.Vanilla
            ? Vanilla(input, gradLogProb, options)
            : PolicyLossReference.Shared(mode, input, gradLogProb, options);

    private static unsafe PolicyLossResult Vanilla(
        in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int rows = input.Rows, cols = input.Cols;
        var sums = new RowSums[rows];
        var k = new Consts((float)(1.0 - options.Low), (float)(1.0 + options.High), options.ClipRatioC);
        int chunk = LossAggCpu.RowsPerChunk(cols) * cols;
        var mode = LossAggregation.Parse(options.LossAggMode);
        double divisor = options.LossScaleFactor ?? cols;
        fixed (float* o = input.OldLogProb, l = input.LogProb, a = input.Advantages, m = input.ResponseMask)
        fixed (float* g = grad)
        {
            float* op = o, lp = l, ap = a, mp = m, gp = grad.IsEmpty ? null : g;

            // The aggregation factor s_i depends on the mask only: a cheap pre-pass over it lets the fused pass
            // write the final gradient once instead of writing it and scaling it in a second pass.
            var rowScale = new double[rows];
            if (gp != null)
            {
                var maskRows = new double[rows];
                Partition.For(rows * cols, chunk, (_, start, end) =>
                {
                    for (int i = start / cols; i < end / cols; i++)
                    {
                        maskRows[i] = TensorPrimitives.Sum(new ReadOnlySpan<float>(mp + (long)i * cols, cols));
                    }
                });
                AggMath.Finish(mode, new double[rows], maskRows, divisor, rowScale);
            }

            Partition.For(rows * cols, chunk, (_, start, end) =>
            {
                for (int i = start / cols; i < end / cols; i++)
                {
                    long at = (long)i * cols;
                    float* gr = gp == null ? null : gp + at;
                    if (Vector512.IsHardwareAccelerated)
                    {
                        Row512(op + at, lp + at, ap + at, mp + at, gr, cols, (float)rowScale[i], k, ref sums[i]);
                    }
                    else if (Vector256.IsHardwareAccelerated)
                    {
                        Row256(op + at, lp + at, ap + at, mp + at, gr, cols, (float)rowScale[i], k, ref sums[i]);
                    }
                    else
                    {
                        Tail(op + at, lp + at, ap + at, mp + at, gr, 0, cols, (float)rowScale[i], k, ref sums[i]);
                    }
                }
            });

            var rowLoss = new double[rows];
            var rowMask = new double[rows];
            double maskSum = 0, nakSum = 0, clipSum = 0, lowerSum = 0;
            for (int i = 0; i < rows; i++)
            {
                rowLoss[i] = sums[i].Loss;
                rowMask[i] = sums[i].Mask;
                maskSum += sums[i].Mask;
                nakSum += sums[i].NegNak;
                clipSum += sums[i].Clip;
                lowerSum += sums[i].Lower;
            }

            double loss = AggMath.Finish(mode, rowLoss, rowMask, divisor, new double[rows]);
            return new((float)loss, PolicyLossMath.MaskedMean(clipSum, maskSum),
                PolicyLossMath.MaskedMean(nakSum, maskSum), PolicyLossMath.MaskedMean(lowerSum, maskSum));
        }
    }

    private static unsafe void Row512(
        float* old, float* lp, float* adv, float* mask, float* grad, int cols, float scale, in Consts k,
        ref RowSums sums)
    {
        var lower = Vector512.Create(k.Lower);
        var upper = Vector512.Create(k.Upper);
        var clipC = Vector512.Create(k.ClipC);
        var lim = Vector512.Create(20f);
        var half = Vector512.Create(0.5f);
        var sV = Vector512.Create(scale);
        var zero = Vector512<float>.Zero;
        Vector512<float> accLoss = zero, accMask = zero, accNak = zero, accClip = zero, accLower = zero;
        int t = 0;
        for (; t <= cols - Vector512<float>.Count; t += Vector512<float>.Count)
        {
            var a = Vector512.Load(adv + t);
            var m = Vector512.Load(mask + t);
            var diff = Vector512.Load(lp + t) - Vector512.Load(old + t);
            var nak = Vector512.Min(Vector512.Max(diff, -lim), lim);
            var inRange = Vector512.GreaterThanOrEqual(diff, -lim) & Vector512.LessThanOrEqual(diff, lim);
            var ratio = Vector512.Exp(nak);
            var negA = -a;
            var l1 = negA * ratio;
            var l2 = negA * Vector512.Min(Vector512.Max(ratio, lower), upper);
            var dl2 = l1 & Vector512.GreaterThanOrEqual(ratio, lower) & Vector512.LessThanOrEqual(ratio, upper);
            var l1Wins = Vector512.GreaterThan(l1, l2);
            var l2Wins = Vector512.LessThan(l1, l2);
            var c1 = Vector512.Max(l1, l2);
            var dc1 = Vector512.ConditionalSelect(
                l1Wins, l1, Vector512.ConditionalSelect(l2Wins, dl2, half * (l1 + dl2)));
            var l3 = negA * clipC;
            var c1Below = Vector512.LessThan(c1, l3);
            var c1Above = Vector512.GreaterThan(c1, l3);
            var dc2 = Vector512.ConditionalSelect(c1Below, dc1, Vector512.ConditionalSelect(c1Above, zero, half * dc1));
            var neg = Vector512.LessThan(a, zero);
            var pg = Vector512.ConditionalSelect(neg, Vector512.Min(l3, c1), c1);
            accLoss += pg * m;
            accMask += m;
            accNak += nak * m;
            accClip += m & l2Wins;
            accLower += m & c1Above & neg;
            if (grad != null)
            {
                ((Vector512.ConditionalSelect(neg, dc2, dc1) & inRange) * (m * sV)).Store(grad + t);
            }
        }

        sums.Add(Vector512.Sum(accLoss), Vector512.Sum(accMask), -Vector512.Sum(accNak), Vector512.Sum(accClip),
            Vector512.Sum(accLower));
        Tail(old, lp, adv, mask, grad, t, cols, scale, k, ref sums);
    }

    private static unsafe void Row256(
        float* old, float* lp, float* adv, float* mask, float* grad, int cols, float scale, in Consts k,
        ref RowSums sums)
    {
        var lower = Vector256.Create(k.Lower);
        var upper = Vector256.Create(k.Upper);
        var clipC = Vector256.Create(k.ClipC);
        var lim = Vector256.Create(20f);
        var half = Vector256.Create(0.5f);
        var sV = Vector256.Create(scale);
        var zero = Vector256<float>.Zero;
        Vector256<float> accLoss = zero, accMask = zero, accNak = zero, accClip = zero, accLower = zero;
        int t = 0;
        for (; t <= cols - Vector256<float>.Count; t += Vector256<float>.Count)
        {
            var a = Vector256.Load(adv + t);
            var m = Vector256.Load(mask + t);
            var diff = Vector256.Load(lp + t) - Vector256.Load(old + t);
            var nak = Vector256.Min(Vector256.Max(diff, -lim), lim);
            var inRange = Vector256.GreaterThanOrEqual(diff, -lim) & Vector256.LessThanOrEqual(diff, lim);
            var ratio = Vector256.Exp(nak);
            var negA = -a;
            var l1 = negA * ratio;
            var l2 = negA * Vector256.Min(Vector256.Max(ratio, lower), upper);
            var dl2 = l1 & Vector256.GreaterThanOrEqual(ratio, lower) & Vector256.LessThanOrEqual(ratio, upper);
            var l1Wins = Vector256.GreaterThan(l1, l2);
            var l2Wins = Vector256.LessThan(l1, l2);
            var c1 = Vector256.Max(l1, l2);
            var dc1 = Vector256.ConditionalSelect(
                l1Wins, l1, Vector256.ConditionalSelect(l2Wins, dl2, half * (l1 + dl2)));
            var l3 = negA * clipC;
            var c1Below = Vector256.LessThan(c1, l3);
            var c1Above = Vector256.GreaterThan(c1, l3);
            var dc2 = Vector256.ConditionalSelect(c1Below, dc1, Vector256.ConditionalSelect(c1Above, zero, half * dc1));
            var neg = Vector256.LessThan(a, zero);
            var pg = Vector256.ConditionalSelect(neg, Vector256.Min(l3, c1), c1);
            accLoss += pg * m;
            accMask += m;
            accNak += nak * m;
            accClip += m & l2Wins;
            accLower += m & c1Above & neg;
            if (grad != null)
            {
                ((Vector256.ConditionalSelect(neg, dc2, dc1) & inRange) * (m * sV)).Store(grad + t);
            }
        }

        sums.Add(Vector256.Sum(accLoss), Vector256.Sum(accMask), -Vector256.Sum(accNak), Vector256.Sum(accClip),
            Vector256.Sum(accLower));
        Tail(old, lp, adv, mask, grad, t, cols, scale, k, ref sums);
    }

    private static unsafe void Tail(
        float* old, float* lp, float* adv, float* mask, float* grad, int from, int cols, float scale,
        in Consts k, ref RowSums sums)
    {
        for (int t = from; t < cols; t++)
        {
            PolicyLossMath.VanillaToken(old[t], lp[t], adv[t], k.Lower, k.Upper, k.ClipC, out var tok);
            float m = mask[t];
            sums.Add(tok.Loss * m, m, -tok.Nak * m, tok.Clipped ? m : 0f, tok.ClippedLower ? m : 0f);
            if (grad != null)
            {
                grad[t] = tok.Grad * (m * scale);
            }
        }
    }

    /// <summary>1 − ε_l, 1 + ε_h and clip_ratio_c as floats.</summary>
    private readonly record struct Consts(float Lower, float Upper, float ClipC);

    /// <summary>Per-row partial sums: Σ pg·m, Σ m, Σ −nak·m, Σ clip·m, Σ lower·m.</summary>
    private struct RowSums
    {
        public double Loss;
        public double Mask;
        public double NegNak;
        public double Clip;
        public double Lower;

        public void Add(double loss, double mask, double negNak, double clip, double lower)
        {
            Loss += loss;
            Mask += mask;
            NegNak += negNak;
            Clip += clip;
            Lower += lower;
        }
    }
}
