using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Hyper-parameters of the verl v0.6.0 policy losses (<c>actor_rollout_ref.actor.*</c> and
/// <c>actor.policy_loss.*</c>), with verl's defaults. Each loss reads only its own.
/// </summary>
public sealed record PolicyLossOptions
{
    /// <summary>
    /// <c>loss_agg_mode</c> (gspo and sapo always use <c>seq-mean-token-mean</c>; geo_mean a plain row mean).
    /// </summary>
    public string LossAggMode { get; init; } = "token-mean";

    /// <summary>
    /// <c>loss_scale_factor</c>: divisor of <c>seq-mean-token-sum-norm</c>; null means cols (loss_mask.shape[-1]).
    /// </summary>
    public float? LossScaleFactor { get; init; }

    /// <summary><c>clip_ratio</c> ε: the default for both clip sides.</summary>
    public float ClipRatio { get; init; } = 0.2f;

    /// <summary><c>clip_ratio_low</c>; null means <see cref="ClipRatio"/>.</summary>
    public float? ClipRatioLow { get; init; }

    /// <summary><c>clip_ratio_high</c>; null means <see cref="ClipRatio"/>.</summary>
    public float? ClipRatioHigh { get; init; }

    /// <summary><c>clip_ratio_c</c>: dual-clip lower bound for negative advantages (must exceed 1).</summary>
    public float ClipRatioC { get; init; } = 3f;

    /// <summary><c>policy_loss.kl_cov_ratio</c>: fraction of valid tokens given the |KL| penalty.</summary>
    public double KlCovRatio { get; init; } = 0.0002;

    /// <summary><c>policy_loss.ppo_kl_coef</c>: weight of |log r| on the kl_cov-selected tokens.</summary>
    public float PpoKlCoef { get; init; } = 1f;

    /// <summary><c>policy_loss.clip_cov_ratio</c>: fraction of valid tokens whose gradient clip_cov may drop.</summary>
    public double ClipCovRatio { get; init; } = 0.0002;

    /// <summary><c>policy_loss.clip_cov_lb</c>: lower covariance bound (exclusive) for clip_cov candidates.</summary>
    public float ClipCovLb { get; init; } = 1f;

    /// <summary><c>policy_loss.clip_cov_ub</c>: upper covariance bound (exclusive) for clip_cov candidates.</summary>
    public float ClipCovUb { get; init; } = 5f;

    /// <summary>Seed of clip_cov's random candidate choice (verl: torch's global RNG; here reproducible).</summary>
    public int Seed { get; init; }

    /// <summary>SAPO gate temperature for positive advantages (<c>tau_pos</c>).</summary>
    public float TauPos { get; init; } = 1f;

    /// <summary>SAPO gate temperature for non-positive advantages (<c>tau_neg</c>).</summary>
    public float TauNeg { get; init; } = 1.05f;

    /// <summary>The effective lower clip ε.</summary>
    public float Low => ClipRatioLow ?? ClipRatio;

    /// <summary>The effective upper clip ε.</summary>
    public float High => ClipRatioHigh ?? ClipRatio;
}

/// <summary>The four [rows][cols] row-major inputs of every verl policy loss.</summary>
public readonly ref struct PolicyLossInput
{
    /// <summary>Wraps the inputs; shapes are checked by <see cref="PolicyLoss.Compute"/>.</summary>
    public PolicyLossInput(
        ReadOnlySpan<float> oldLogProb, ReadOnlySpan<float> logProb, ReadOnlySpan<float> advantages,
        ReadOnlySpan<float> responseMask, int rows, int cols)
    {
        OldLogProb = oldLogProb;
        LogProb = logProb;
        Advantages = advantages;
        ResponseMask = responseMask;
        Rows = rows;
        Cols = cols;
    }

    /// <summary><c>old_log_prob</c> [rows*cols].</summary>
    public ReadOnlySpan<float> OldLogProb { get; }

    /// <summary><c>log_prob</c> [rows*cols]: the variable the gradient is taken against.</summary>
    public ReadOnlySpan<float> LogProb { get; }

    /// <summary><c>advantages</c> [rows*cols].</summary>
    public ReadOnlySpan<float> Advantages { get; }

    /// <summary><c>response_mask</c> [rows*cols] (1 valid, 0 padding; fractional weights are allowed).</summary>
    public ReadOnlySpan<float> ResponseMask { get; }

    /// <summary>Batch size B.</summary>
    public int Rows { get; }

    /// <summary>Response length T.</summary>
    public int Cols { get; }
}

/// <summary>verl's four policy-loss outputs: <c>pg_loss, pg_clipfrac, ppo_kl, pg_clipfrac_lower</c>.</summary>
/// <param name="PgLoss">The aggregated loss.</param>
/// <param name="PgClipfrac">Masked fraction of clipped tokens (mode-specific definition).</param>
/// <param name="PpoKl">Masked mean of old − new log-prob (kl_cov: of |log r|).</param>
/// <param name="PgClipfracLower">Masked fraction of dual-clipped tokens (vanilla) / lower clips (geo_mean).</param>
public readonly record struct PolicyLossResult(float PgLoss, float PgClipfrac, float PpoKl, float PgClipfracLower);

/// <summary>The registered verl loss modes.</summary>
public enum PolicyLossMode
{
    /// <summary><c>vanilla</c>: PPO clip with dual clip.</summary>
    Vanilla,

    /// <summary><c>gspo</c>: sequence-level ratio.</summary>
    Gspo,

    /// <summary><c>gpg</c>: −A·log π.</summary>
    Gpg,

    /// <summary><c>geo_mean</c>: GMPO geometric-mean ratio.</summary>
    GeoMean,

    /// <summary><c>kl_cov</c>: |KL| penalty on the top-covariance tokens.</summary>
    KlCov,

    /// <summary><c>clip_cov</c>: gradient dropped on random high-covariance tokens.</summary>
    ClipCov,

    /// <summary><c>cispo</c>: clipped, detached IS weight times −A·log π.</summary>
    Cispo,

    /// <summary><c>sapo</c>: smooth sigmoid gate instead of a hard clip.</summary>
    Sapo,
}

/// <summary>
/// One policy-loss backend: loss, metrics and d pg_loss / d log_prob for every <see cref="PolicyLossMode"/>.
/// Inputs are assumed validated by <see cref="PolicyLoss.Compute"/>.
/// </summary>
public interface IPolicyLossKernels
{
    /// <summary>
    /// Computes <paramref name="mode"/>; a non-empty <paramref name="gradLogProb"/> [rows*cols] receives
    /// d pg_loss / d log_prob as torch autograd would compute it.
    /// </summary>
    PolicyLossResult Compute(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options);
}

/// <summary>Backend choice for the policy-loss family.</summary>
public static class PolicyLossKernels
{
    private static readonly PolicyLossReference s_reference = new();
    private static readonly PolicyLossCpu s_cpu = new();

    private static readonly Lazy<PolicyLossVulkan> s_vulkan =
        new(() => new PolicyLossVulkan(Runtime.Vulkan.VulkanRuntime.Shared));

    private static readonly Lazy<PolicyLossIlgpu> s_ilgpu =
        new(() => new PolicyLossIlgpu(Runtime.Ilgpu.IlgpuRuntime.Shared));

    /// <summary>The implementation for <paramref name="backend"/>; Vulkan and ILGPU throw (with the reason) when no
    /// device opened.</summary>
    public static IPolicyLossKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} is not available for policy losses"),
    };
}
