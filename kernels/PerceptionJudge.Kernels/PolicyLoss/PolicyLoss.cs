using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// verl v0.6.0 policy losses by <c>loss_mode</c> name (<c>get_policy_loss_fn</c>) on
/// <see cref="KernelBackend.Current"/>: vanilla, gspo, gpg, geo_mean, kl_cov, clip_cov, cispo, sapo. Each returns
/// pg_loss, pg_clipfrac, ppo_kl, pg_clipfrac_lower and writes d pg_loss / d log_prob. Formulas:
/// <see cref="PolicyLossReference"/> and <see cref="CovLosses"/>.
/// </summary>
public static class PolicyLoss
{
    private static readonly Registry<Entry> s_modes = new Registry<Entry>("loss_mode")
        .Add("vanilla", new(PolicyLossMode.Vanilla))
        .Add("gspo", new(PolicyLossMode.Gspo))
        .Add("gpg", new(PolicyLossMode.Gpg))
        .Add("geo_mean", new(PolicyLossMode.GeoMean))
        .Add("kl_cov", new(PolicyLossMode.KlCov))
        .Add("clip_cov", new(PolicyLossMode.ClipCov))
        .Add("cispo", new(PolicyLossMode.Cispo))
        .Add("sapo", new(PolicyLossMode.Sapo));

    /// <summary>Registered loss-mode names (verl spelling), sorted.</summary>
    public static IReadOnlyList<string> Modes => s_modes.Names;

    /// <summary>
    /// Computes <paramref name="lossMode"/> over <paramref name="input"/>; <paramref name="gradLogProb"/> (length
    /// rows*cols, or empty to skip) receives d pg_loss / d log_prob. Throws <see cref="KernelInputException"/> for an
    /// unknown mode or aggregation, bad shapes, NaN/Inf, or out-of-range hyper-parameters.
    /// </summary>
    public static PolicyLossResult Compute(
        string lossMode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions? options = null)
    {
        var mode = Parse(lossMode);
        options ??= new PolicyLossOptions();
        Validate(mode, input, gradLogProb, options);
        using var span = KernelTrace.Kernel(
            "policy_loss", lossMode, (16L + (gradLogProb.IsEmpty ? 0 : 4)) * input.Rows * input.Cols);
        return PolicyLossKernels.For(KernelBackend.Current).Compute(mode, input, gradLogProb, options);
    }

    /// <summary>Maps a verl loss_mode name to <see cref="PolicyLossMode"/>; an unknown name lists the valid ones.
    /// </summary>
    public static PolicyLossMode Parse(string lossMode) => s_modes.Get(lossMode).Mode;

    /// <summary>The entry checks of <see cref="Compute"/>, public so direct callers of a backend can reuse them.
    /// </summary>
    public static void Validate(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options)
    {
        LossAggregation.Parse(options.LossAggMode);
        LossAggregation.ValidateScaleFactor(options.LossScaleFactor);
        Guard.Positive(input.Rows, "rows");
        Guard.Positive(input.Cols, "cols");
        int n = input.Rows * input.Cols;
        Guard.Length(input.OldLogProb, n, "old_log_prob");
        Guard.Length(input.LogProb, n, "log_prob");
        Guard.Length(input.Advantages, n, "advantages");
        Guard.Length(input.ResponseMask, n, "response_mask");
        if (!gradLogProb.IsEmpty)
        {
            Guard.Length(gradLogProb, n, "grad_log_prob");
        }

        Guard.Finite(input.OldLogProb, "old_log_prob", input.Cols);
        Guard.Finite(input.LogProb, "log_prob", input.Cols);
        Guard.Finite(input.Advantages, "advantages", input.Cols);
        Guard.Finite(input.ResponseMask, "response_mask", input.Cols);
        Check(options.Low >= 0 && options.Low < 1, "clip_ratio_low", $"must be in [0, 1), got {options.Low}");
        Check(options.High >= 0, "clip_ratio_high", $"must be non-negative, got {options.High}");
        switch (mode)
        {
            case PolicyLossMode.Vanilla:
                Check(options.ClipRatioC > 1f, "clip_ratio_c", $"must exceed 1.0, got {options.ClipRatioC}");
                break;
            case PolicyLossMode.KlCov:
                Check(options.KlCovRatio > 0, "kl_cov_ratio", $"must be positive, got {options.KlCovRatio}");
                break;
            case PolicyLossMode.ClipCov:
                Check(options.ClipCovRatio > 0, "clip_cov_ratio", $"must be positive, got {options.ClipCovRatio}");
                break;
            case PolicyLossMode.Sapo:
                Check(options.TauPos > 0 && options.TauNeg > 0, "tau_pos/tau_neg", "temperatures must be positive");
                break;
        }
    }

    private static void Check(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new KernelInputException(field, message);
        }
    }

    private sealed record Entry(PolicyLossMode Mode);
}
