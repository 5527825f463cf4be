using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Listwise;

/// <summary>
/// The specification of the PerPO loss, plain scalar code in double, every ordered pair enumerated directly.
/// <para>
/// Source: PerPO (Zhu et al. 2025, "Perceptual Preference Optimization via Discriminative Rewarding",
/// arXiv 2502.04371): listwise DPO over best-of-N candidates ranked by a discriminative reward, the reward gap
/// used as a margin. We could not retrieve the paper's exact equation in the time given, so this is the
/// reconstruction named in the task: for each list, every pair (i, j) with <c>r_i &gt; r_j</c>,
/// <c>h = β·(log π(y) − log π_ref(y))</c>, <c>ℓ_ij = −log σ(h_i − h_j − γ·(r_i − r_j))</c>;
/// loss = mean of ℓ_ij over all such pairs of all lists (equal rewards form no pair; no pair ⇒ loss 0).
/// </para>
/// <para>
/// Gradient (closed form), with <c>u = h_i − h_j − γ(r_i − r_j)</c> and P pairs:
/// <c>∂ℓ_ij/∂u = σ(u) − 1</c>, so <c>g_i += β(σ(u) − 1)/P</c>, <c>g_j −= β(σ(u) − 1)/P</c>.
/// <c>−log σ(u) = softplus(−u) = max(−u, 0) + log1p(e^{−|u|})</c> keeps large |u| finite.
/// </para>
/// </summary>
public sealed class ListwiseReference : IListwiseKernels
{
    /// <inheritdoc />
    public float PerPOLoss(
        ReadOnlySpan<float> policyLogp,
        ReadOnlySpan<float> refLogp,
        ReadOnlySpan<float> rewards,
        GroupIndex lists,
        PerPOOptions options,
        Span<float> gradPolicyLogp)
    {
        ListwiseChecks.PerPO(policyLogp, refLogp, rewards, lists, options, gradPolicyLogp);
        double beta = options.Beta, gamma = options.Gamma;
        var grad = new double[policyLogp.Length];
        double total = 0.0;
        long pairs = 0;
        for (int g = 0; g < lists.GroupCount; g++)
        {
            var rows = lists.RowsOf(g);
            foreach (int i in rows)
            {
                foreach (int j in rows)
                {
                    if (!(rewards[i] > rewards[j]))
                    {
                        continue;
                    }

                    double hi = beta * ((double)policyLogp[i] - refLogp[i]);
                    double hj = beta * ((double)policyLogp[j] - refLogp[j]);
                    double u = hi - hj - gamma * ((double)rewards[i] - rewards[j]);
                    total += Math.Max(-u, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(u)));
                    double dU = -1.0 / (1.0 + Math.Exp(u));
                    grad[i] += beta * dU;
                    grad[j] -= beta * dU;
                    pairs++;
                }
            }
        }

        double scale = pairs > 0 ? 1.0 / pairs : 0.0;
        for (int k = 0; k < gradPolicyLogp.Length; k++)
        {
            gradPolicyLogp[k] = (float)(grad[k] * scale);
        }

        return (float)(total * scale);
    }
}
