namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Per-token entropy and chosen-token log-probability of a row-major <c>logits[tokens][vocab]</c> matrix, and
/// their backward pass. With temperature <c>T</c> every formula reads <c>z = logits / T</c> (verl's actor divides
/// the logits by the rollout temperature before both). Semantics: verl v0.6.0
/// <c>verl/utils/torch_functional.py</c> <c>entropy_from_logits</c> and <c>logprobs_from_logits</c>.
/// </summary>
public interface ILogProbKernels
{
    /// <summary>
    /// <c>entropy[t] = logsumexp(z_t) − Σ_v softmax(z_t)_v·z_tv</c> and
    /// <c>logProb[t] = z_t[labels[t]] − logsumexp(z_t)</c>. Either output may be empty (not computed);
    /// <paramref name="labels"/> may be empty when <paramref name="logProb"/> is.
    /// </summary>
    void Forward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        Span<float> entropy,
        Span<float> logProb);

    /// <summary>
    /// OVERWRITES <paramref name="gradLogits"/> with dL/dlogits given dL/dentropy and dL/dlogProb per token:
    /// <c>dL/dx_v = (gH·(−p_v·(z_v − Σ_u p_u z_u)) + gL·(onehot_v − p_v)) / T</c>.
    /// An empty upstream span means a zero upstream gradient; <paramref name="labels"/> may be empty when
    /// <paramref name="gradLogProb"/> is.
    /// </summary>
    void Backward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits);
}
