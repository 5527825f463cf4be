using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Listwise;

/// <summary>Listwise preference losses over best-of-N candidate lists (one list per prompt).</summary>
public interface IListwiseKernels
{
    /// <summary>
    /// The PerPO loss (see <see cref="PerPO"/> for the formula) and, unless <paramref name="gradPolicyLogp"/> is
    /// empty, OVERWRITES it with d loss / d policy log-prob. Inputs are sequence log-probs and rewards, one per
    /// candidate; <paramref name="lists"/> groups the candidates into lists.
    /// </summary>
    float PerPOLoss(
        ReadOnlySpan<float> policyLogp,
        ReadOnlySpan<float> refLogp,
        ReadOnlySpan<float> rewards,
        GroupIndex lists,
        PerPOOptions options,
        Span<float> gradPolicyLogp);
}

/// <summary>Hyper-parameters of the PerPO loss.</summary>
public sealed record PerPOOptions
{
    /// <summary>β: scale of the implicit reward <c>h = β·(log π − log π_ref)</c>, as in DPO. Must be &gt; 0.</summary>
    public float Beta { get; init; } = 0.1f;

    /// <summary>
    /// γ: the reward gap becomes the margin <c>γ·(r_i − r_j)</c> the implicit rewards must exceed. Must be ≥ 0;
    /// 0 gives plain pairwise DPO over every ordered pair of the list. Default 0.5 (our choice, not the paper's).
    /// </summary>
    public float Gamma { get; init; } = 0.5f;
}
