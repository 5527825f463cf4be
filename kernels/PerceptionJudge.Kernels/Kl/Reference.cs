namespace PerceptionJudge.Kernels.Kl;

/// <summary>
/// Scalar specification of verl v0.6.0 <c>core_algos.kl_penalty_forward</c> and <c>kl_penalty</c>, element-wise in
/// float32 like torch. With d = logp − ref:
/// <list type="bullet">
/// <item>k1: kl = d, ∂ = 1.</item>
/// <item>abs: kl = |d|, ∂ = sign(d) (0 at d = 0, torch's <c>abs</c> backward).</item>
/// <item>k2: kl = ½d², ∂ = d.</item>
/// <item>k3: x = clamp(−d, −20, 20), kld = e^x − x − 1, kl = clamp(kld, −10, 10);
/// ∂ = −(e^x − 1)·[−20 ≤ −d ≤ 20]·[−10 ≤ kld ≤ 10] (clamp passes the gradient inside its closed range only).</item>
/// <item>"+" (straight-through, verl <c>kl_penalty</c>): the value is the estimator's, ∂ = d (k2's gradient).</item>
/// </list>
/// </summary>
public sealed class KlReference : IKlKernels
{
    /// <inheritdoc />
    public void Compute(
        KlEstimator estimator, bool straightThrough, ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob,
        Span<float> kl, Span<float> gradLogprob)
    {
        bool wantGrad = !gradLogprob.IsEmpty;
        for (int k = 0; k < logprob.Length; k++)
        {
            kl[k] = Scalar(estimator, logprob[k], refLogprob[k], out float g);
            if (wantGrad)
            {
                gradLogprob[k] = straightThrough ? logprob[k] - refLogprob[k] : g;
            }
        }
    }

    /// <summary>One element: the estimator and its derivative w.r.t. logprob.</summary>
    internal static float Scalar(KlEstimator estimator, float logprob, float refLogprob, out float grad)
    {
        float d = logprob - refLogprob;
        switch (estimator)
        {
            case KlEstimator.K1:
                grad = 1f;
                return d;
            case KlEstimator.Abs:
                grad = d > 0 ? 1f : d < 0 ? -1f : 0f;
                return MathF.Abs(d);
            case KlEstimator.K2:
                grad = d;
                return 0.5f * (d * d);
            default:
                {
                    float x = refLogprob - logprob;
                    float xc = Clamp(x, -20f, 20f);
                    float ratio = MathF.Exp(xc);
                    float kld = ratio - xc - 1f;
                    bool pass = x >= -20f && x <= 20f && kld >= -10f && kld <= 10f;
                    grad = pass ? -(ratio - 1f) : 0f;
                    return Clamp(kld, -10f, 10f);
                }
        }
    }

    /// <summary><c>min(max(x, lo), hi)</c>, NaN passing through as in <see cref="Math.Clamp(float, float, float)"/>,
    /// which device code cannot call (it may throw); the ILGPU kernel runs <see cref="Scalar"/> itself.</summary>
    private static float Clamp(float x, float lo, float hi) => x < lo ? lo : x > hi ? hi : x;
}
