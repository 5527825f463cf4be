using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Kl;

/// <summary>
/// verl v0.6.0 <c>kl_penalty</c> by name on <see cref="KernelBackend.Current"/>: <c>kl</c>|<c>k1</c>, <c>abs</c>,
/// <c>mse</c>|<c>k2</c>, <c>low_var_kl</c>|<c>k3</c>, each also with a "+" suffix (straight-through: the value is the
/// estimator's, the gradient is k2's). Formulas in <see cref="KlReference"/>.
/// </summary>
public static class KlPenalty
{
    private static readonly Registry<Entry> s_modes = Build();

    /// <summary>Registered estimator names, sorted.</summary>
    public static IReadOnlyList<string> Modes => s_modes.Names;

    /// <summary>
    /// kl[k] = estimator(logprob[k], refLogprob[k]); a non-empty <paramref name="gradLogprob"/> receives
    /// d kl / d logprob. Throws <see cref="KernelInputException"/> for an unknown mode, unequal lengths or NaN/Inf.
    /// </summary>
    public static void Compute(
        string mode, ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob, Span<float> kl,
        Span<float> gradLogprob = default)
    {
        var entry = s_modes.Get(mode);
        Guard.Length(refLogprob, logprob.Length, "ref_logprob");
        Guard.Length(kl, logprob.Length, "kl");
        if (!gradLogprob.IsEmpty)
        {
            Guard.Length(gradLogprob, logprob.Length, "grad_logprob");
        }

        Guard.Finite(logprob, "logprob");
        Guard.Finite(refLogprob, "ref_logprob");
        using var span = KernelTrace.Kernel("kl", mode, (12L + (gradLogprob.IsEmpty ? 0 : 4)) * logprob.Length);
        KlKernels.For(KernelBackend.Current)
            .Compute(entry.Estimator, entry.StraightThrough, logprob, refLogprob, kl, gradLogprob);
    }

    /// <summary>Resolves a verl name to its estimator and straight-through flag.</summary>
    public static (KlEstimator Estimator, bool StraightThrough) Parse(string mode)
    {
        var e = s_modes.Get(mode);
        return (e.Estimator, e.StraightThrough);
    }

    private static Registry<Entry> Build()
    {
        var r = new Registry<Entry>("kl_penalty");
        (string Name, KlEstimator Estimator)[] names =
        [
            ("kl", KlEstimator.K1), ("k1", KlEstimator.K1), ("abs", KlEstimator.Abs), ("mse", KlEstimator.K2),
            ("k2", KlEstimator.K2), ("low_var_kl", KlEstimator.K3), ("k3", KlEstimator.K3),
        ];
        foreach (var (name, est) in names)
        {
            r.Add(name, new Entry(est, false));
            r.Add(name + "+", new Entry(est, est != KlEstimator.K2));
        }

        return r;
    }

    private sealed record Entry(KlEstimator Estimator, bool StraightThrough);
}
