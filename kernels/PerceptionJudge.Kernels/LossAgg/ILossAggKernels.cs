using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// verl's <c>agg_loss</c>: reduces a masked [rows][cols] loss matrix to a scalar, optionally with the gradient
/// d loss / d loss_mat. Implemented by <see cref="LossAggReference"/> (the spec), <see cref="LossAggCpu"/>,
/// <see cref="LossAggVulkan"/> and <see cref="LossAggIlgpu"/>.
/// </summary>
public interface ILossAggKernels
{
    /// <summary>
    /// Aggregates <paramref name="lossMat"/> under <paramref name="lossMask"/> (both [rows*cols], row-major) with
    /// <paramref name="mode"/>; when <paramref name="gradLossMat"/> is non-empty it receives d loss / d loss_mat.
    /// <paramref name="lossScaleFactor"/> replaces cols as the seq-mean-token-sum-norm divisor (verl
    /// <c>loss_scale_factor</c>). Inputs are assumed validated (see <see cref="LossAggregation.Aggregate"/>).
    /// </summary>
    float Aggregate(
        AggMode mode, ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols,
        Span<float> gradLossMat, float? lossScaleFactor = null);
}

/// <summary>The aggregation modes of verl v0.6.0 <c>agg_loss</c>.</summary>
public enum AggMode
{
    /// <summary><c>token-mean</c>: Σ m·x / (Σ m + 1e-8).</summary>
    TokenMean,

    /// <summary><c>seq-mean-token-sum</c>: mean over non-empty rows of the row's Σ m·x.</summary>
    SeqMeanTokenSum,

    /// <summary><c>seq-mean-token-mean</c>: mean over non-empty rows of Σ m·x / (Σ m + 1e-8).</summary>
    SeqMeanTokenMean,

    /// <summary><c>seq-mean-token-sum-norm</c> (Dr. GRPO): Σ m·x / cols.</summary>
    SeqMeanTokenSumNorm,
}

/// <summary>Backend choice for the loss-aggregation family.</summary>
public static class LossAggKernels
{
    private static readonly LossAggReference s_reference = new();
    private static readonly LossAggCpu s_cpu = new();

    private static readonly Lazy<LossAggVulkan> s_vulkan =
        new(() => new LossAggVulkan(Runtime.Vulkan.VulkanRuntime.Shared));

    private static readonly Lazy<LossAggIlgpu> s_ilgpu = new(() => new LossAggIlgpu(Runtime.Ilgpu.IlgpuRuntime.Shared));

    /// <summary>The implementation for <paramref name="backend"/>; Vulkan and ILGPU throw (with the reason) when no
    /// device opened.</summary>
    public static ILossAggKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} is not available for loss aggregation"),
    };
}
