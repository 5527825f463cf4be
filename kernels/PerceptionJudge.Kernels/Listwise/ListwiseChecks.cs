using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Listwise;

/// <summary>Entry-point checks shared by every backend.</summary>
internal static class ListwiseChecks
{
    public static void PerPO(
        ReadOnlySpan<float> policyLogp,
        ReadOnlySpan<float> refLogp,
        ReadOnlySpan<float> rewards,
        GroupIndex lists,
        PerPOOptions options,
        Span<float> gradPolicyLogp)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentNullException.ThrowIfNull(options);
        int n = policyLogp.Length;
        Guard.Length(refLogp, n, "ref_log_prob");
        Guard.Length(rewards, n, "rewards");
        if (lists.Rows != n)
        {
            throw new KernelInputException("index", $"expected {n} rows (one per candidate), got {lists.Rows}");
        }

        if (gradPolicyLogp.Length != 0 && gradPolicyLogp.Length != n)
        {
            throw new KernelInputException(
                "grad_log_prob", $"expected {n} elements or none, got {gradPolicyLogp.Length}");
        }

        Guard.Finite(policyLogp, "log_prob");
        Guard.Finite(refLogp, "ref_log_prob");
        Guard.Finite(rewards, "rewards");
        if (!float.IsFinite(options.Beta) || options.Beta <= 0f)
        {
            throw new KernelInputException("beta", $"must be positive and finite, got {options.Beta}");
        }

        if (!float.IsFinite(options.Gamma) || options.Gamma < 0f)
        {
            throw new KernelInputException("gamma", $"must be non-negative and finite, got {options.Gamma}");
        }
    }
}
