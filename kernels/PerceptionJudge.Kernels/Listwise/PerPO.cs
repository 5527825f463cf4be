using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Listwise;

/// <summary>
/// PerPO listwise loss (Zhu et al. 2025, arXiv 2502.04371), as reconstructed in <see cref="ListwiseReference"/>:
/// over every pair (i, j) of a list with <c>r_i &gt; r_j</c>,
/// <c>loss = mean −log σ(β(log π_i − log π_ref,i) − β(log π_j − log π_ref,j) − γ(r_i − r_j))</c>.
/// Shapes: one entry per candidate (N) for the log-probs (summed over the response tokens), rewards and the
/// gradient; <see cref="GroupIndex"/> gives the lists. Dispatches to <see cref="KernelBackend.Current"/>.
/// </summary>
public static class PerPO
{
    /// <summary>
    /// Returns the loss and OVERWRITES <paramref name="gradPolicyLogp"/> (length N, or empty to skip) with
    /// d loss / d <paramref name="policyLogp"/>. Errors name <c>log_prob</c>, <c>ref_log_prob</c>, <c>rewards</c>
    /// (length, NaN/Inf with the row), <c>index</c>, <c>beta</c>, <c>gamma</c>.
    /// </summary>
    public static float Loss(
        ReadOnlySpan<float> policyLogp,
        ReadOnlySpan<float> refLogp,
        ReadOnlySpan<float> rewards,
        GroupIndex lists,
        PerPOOptions options,
        Span<float> gradPolicyLogp) =>
        ListwiseKernels.For(KernelBackend.Current)
            .PerPOLoss(policyLogp, refLogp, rewards, lists, options, gradPolicyLogp);
}

/// <summary>The <see cref="IListwiseKernels"/> instance of each backend.</summary>
public static class ListwiseKernels
{
    private static readonly ListwiseReference s_reference = new();
    private static readonly ListwiseCpu s_cpu = new();
    private static readonly Lazy<ListwiseIlgpu> s_ilgpu = new(() => new ListwiseIlgpu());

    /// <summary>The implementation for <paramref name="backend"/> (ILGPU: <see cref="ListwiseIlgpu"/>); Vulkan is not
    /// available yet.</summary>
    public static IListwiseKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} listwise kernels are not available"),
    };
}
