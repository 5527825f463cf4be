namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// The advantage-estimator operation set (verl v0.6.0 <c>core_algos.py</c> outcome estimators plus TRL's
/// <c>scale_rewards</c>). Every method checks its input (shapes, NaN/Inf) and throws
/// <see cref="Runtime.KernelInputException"/> naming the field and row. Outputs are [rows][cols] row-major.
/// </summary>
public interface IAdvantageKernels
{
    /// <summary>verl <c>compute_grpo_outcome_advantage</c>.</summary>
    void Grpo(in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options);

    /// <summary>verl <c>compute_grpo_passk_outcome_advantage</c>.</summary>
    void GrpoPassK(in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options);

    /// <summary>verl <c>compute_rloo_outcome_advantage</c>.</summary>
    void Rloo(in AdvantageInput input, Span<float> advantages, Span<float> returns);

    /// <summary>verl <c>compute_opo_outcome_advantage</c>.</summary>
    void Opo(in AdvantageInput input, Span<float> advantages, Span<float> returns);

    /// <summary>verl <c>compute_gpg_outcome_advantage</c>.</summary>
    void Gpg(in AdvantageInput input, Span<float> advantages, Span<float> returns);

    /// <summary>verl <c>compute_reinforce_plus_plus_outcome_advantage</c>.</summary>
    void ReinforcePlusPlus(in AdvantageInput input, Span<float> advantages, Span<float> returns, float gamma);

    /// <summary>verl <c>compute_reinforce_plus_plus_baseline_outcome_advantage</c>.</summary>
    void ReinforcePlusPlusBaseline(in AdvantageInput input, Span<float> advantages, Span<float> returns);

    /// <summary>verl <c>compute_remax_outcome_advantage</c>.</summary>
    void Remax(in AdvantageInput input, Span<float> advantages, Span<float> returns);

    /// <summary>TRL <c>GRPOTrainer</c> advantages from per-sequence <paramref name="rewards"/> [rows].</summary>
    void Trl(ReadOnlySpan<float> rewards, Runtime.GroupIndex index, TrlScaleRewards scale, Span<float> advantages);
}
