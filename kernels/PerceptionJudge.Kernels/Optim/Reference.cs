namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// The spec: plain scalar code in double, one tensor after another, elements in order.
/// AdamW follows PyTorch 2.x <c>torch/optim/adamw.py</c> <c>_single_tensor_adamw</c> (amsgrad = false,
/// maximize = false); the norm follows <c>torch.nn.utils.clip_grad_norm_</c> (L2, <c>max_norm / (total + 1e-6)</c>
/// clamped to 1).
/// </summary>
public sealed class OptimReference : IOptimKernels
{
    /// <inheritdoc />
    public void SumSquares(ReadOnlySpan<ReadOnlyMemory<float>> tensors, Span<double> sumSquares)
    {
        for (int i = 0; i < tensors.Length; i++)
        {
            double s = 0;
            foreach (float x in tensors[i].Span)
            {
                s += (double)x * x;
            }

            sumSquares[i] = s;
        }
    }

    /// <inheritdoc />
    public void Scale(ReadOnlySpan<Memory<float>> tensors, float factor)
    {
        foreach (var t in tensors)
        {
            var x = t.Span;
            for (int j = 0; j < x.Length; j++)
            {
                x[j] *= factor;
            }
        }
    }

    /// <summary>
    /// With g = gradScale·grad, t = <paramref name="step"/> (1 for the first step):
    /// <code>
    /// p ← p·(1 − lr·wd)                       decoupled weight decay
    /// m ← β1·m + (1 − β1)·g                   exp_avg
    /// v ← β2·v + (1 − β2)·g²                  exp_avg_sq
    /// bc1 = 1 − β1^t,  bc2 = 1 − β2^t
    /// p ← p − (lr / bc1) · m / (√v / √bc2 + eps)
    /// </code>
    /// </summary>
    public void AdamW(ReadOnlySpan<ParamSlot> slots, AdamWOptions options, int step, double gradScale)
    {
        double lr = options.Lr, b1 = options.Beta1, b2 = options.Beta2, eps = options.Eps;
        double decay = 1 - lr * options.WeightDecay;
        double bc1 = 1 - Math.Pow(b1, step), bc2 = 1 - Math.Pow(b2, step);
        double stepSize = lr / bc1, bc2Sqrt = Math.Sqrt(bc2);
        foreach (var slot in slots)
        {
            var p = slot.Param.Span;
            var g = slot.Grad.Span;
            var m = slot.ExpAvg.Span;
            var v = slot.ExpAvgSq.Span;
            for (int j = 0; j < p.Length; j++)
            {
                double gj = gradScale * g[j];
                double mj = b1 * m[j] + (1 - b1) * gj;
                double vj = b2 * v[j] + (1 - b2) * gj * gj;
                double pj = p[j] * decay;
                p[j] = (float)(pj - stepSize * mj / (Math.Sqrt(vj) / bc2Sqrt + eps));
                m[j] = (float)mj;
                v[j] = (float)vj;
            }
        }
    }
}
