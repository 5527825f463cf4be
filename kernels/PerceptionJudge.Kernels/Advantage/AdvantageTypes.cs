using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Estimator settings; the defaults are verl v0.6.0's (<c>algorithm.norm_adv_by_std_in_grpo=True</c>,
/// <c>epsilon=1e-6</c>, <c>algorithm.gamma=1.0</c>).
/// </summary>
public sealed record AdvantageOptions
{
    /// <summary>verl <c>norm_adv_by_std_in_grpo</c>: divide by the group std (GRPO) or not (Dr.GRPO).</summary>
    public bool NormAdvByStd { get; init; } = true;

    /// <summary>verl <c>epsilon</c>: added to the group std before dividing (grpo, grpo_passk).</summary>
    public float Epsilon { get; init; } = 1e-6f;

    /// <summary>verl <c>gamma</c>: discount of reinforce_plus_plus returns.</summary>
    public float Gamma { get; init; } = 1f;

    /// <summary>The verl defaults.</summary>
    public static AdvantageOptions Default { get; } = new();
}

/// <summary>
/// One batch of responses: <c>token_level_rewards</c> and <c>response_mask</c> are [rows][cols] row-major,
/// <c>index</c> groups the rows (one group per prompt), <c>reward_baselines</c> is [rows] (remax only).
/// Shapes and values are checked when an estimator runs, not here.
/// </summary>
public readonly ref struct AdvantageInput
{
    /// <summary>Wraps the batch; see the type's summary for the shapes.</summary>
    public AdvantageInput(
        ReadOnlySpan<float> tokenLevelRewards,
        ReadOnlySpan<float> responseMask,
        int rows,
        int cols,
        GroupIndex index,
        ReadOnlySpan<float> rewardBaselines = default)
    {
        TokenLevelRewards = tokenLevelRewards;
        ResponseMask = responseMask;
        Rows = rows;
        Cols = cols;
        Index = index;
        RewardBaselines = rewardBaselines;
    }

    /// <summary>verl <c>token_level_rewards</c>, [rows][cols].</summary>
    public ReadOnlySpan<float> TokenLevelRewards { get; }

    /// <summary>verl <c>response_mask</c>, [rows][cols]; 1 on response tokens, 0 after EOS.</summary>
    public ReadOnlySpan<float> ResponseMask { get; }

    /// <summary>Batch size (verl <c>bs</c>).</summary>
    public int Rows { get; }

    /// <summary>Response length (verl <c>response_length</c>).</summary>
    public int Cols { get; }

    /// <summary>verl <c>index</c>: the group (prompt uid) of each row.</summary>
    public GroupIndex Index { get; }

    /// <summary>verl <c>reward_baselines</c>, [rows]; read by remax only.</summary>
    public ReadOnlySpan<float> RewardBaselines { get; }
}

/// <summary>TRL <c>GRPOConfig.scale_rewards</c>: what the group-centred reward is divided by.</summary>
public enum TrlScaleRewards
{
    /// <summary>The group's unbiased std + 1e-4.</summary>
    Group,

    /// <summary>The whole batch's unbiased std + 1e-4.</summary>
    Batch,

    /// <summary>No division (Dr.GRPO).</summary>
    None,
}

/// <summary>
/// The shared signature of a registered estimator (verl <c>register_adv_est</c>): it reads <paramref name="input"/>
/// and writes <paramref name="advantages"/> and <paramref name="returns"/>, both [rows][cols], with the given kernels.
/// </summary>
public delegate void AdvantageEstimator(
    IAdvantageKernels kernels,
    in AdvantageInput input,
    Span<float> advantages,
    Span<float> returns,
    AdvantageOptions options);
