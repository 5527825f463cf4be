using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// The optimizer operation set: per-tensor sums of squares (for the global grad norm), in-place scaling (the clip)
/// and one fused multi-tensor AdamW step. Implemented by <see cref="OptimReference"/> (the spec),
/// <see cref="OptimCpu"/>, <see cref="OptimVulkan"/> and <see cref="OptimIlgpu"/>. Inputs are assumed validated
/// (see <see cref="FusedAdamW"/> and <see cref="GradNorm"/>).
/// </summary>
public interface IOptimKernels
{
    /// <summary>
    /// <c>sumSquares[i] = Σ_j tensors[i][j]²</c>, accumulated in double in a fixed order. The sum is non-finite
    /// exactly when the tensor holds a NaN or an infinity (a float squared cannot overflow a double).
    /// </summary>
    void SumSquares(ReadOnlySpan<ReadOnlyMemory<float>> tensors, Span<double> sumSquares);

    /// <summary><c>tensors[i][j] ← tensors[i][j] · factor</c> for every tensor, in place.</summary>
    void Scale(ReadOnlySpan<Memory<float>> tensors, float factor);

    /// <summary>
    /// One AdamW step (formula in <see cref="OptimReference.AdamW"/>) on every slot, the gradient read as
    /// <c>gradScale · grad</c> in the same pass; grads are not written.
    /// </summary>
    void AdamW(ReadOnlySpan<ParamSlot> slots, AdamWOptions options, int step, double gradScale);
}

/// <summary>
/// One parameter tensor and its optimizer state, flat and of equal length: <c>param</c>, <c>grad</c>,
/// <c>exp_avg</c> (m) and <c>exp_avg_sq</c> (v) as in torch.optim.AdamW's state.
/// </summary>
/// <remarks>
/// <see cref="Memory{T}"/> rather than spans (which cannot sit in an array) or raw pointers (which give up bounds
/// checks): arrays wrap directly, and native storage such as a libtorch tensor's data is exposed zero-copy through
/// a <see cref="System.Buffers.MemoryManager{T}"/> over its pointer, pinned by the caller for the step.
/// </remarks>
/// <param name="Param">The parameter, updated in place.</param>
/// <param name="Grad">Its gradient, read only.</param>
/// <param name="ExpAvg">First moment m (<c>exp_avg</c>), updated in place; zeros before step 1.</param>
/// <param name="ExpAvgSq">Second moment v (<c>exp_avg_sq</c>), updated in place; zeros before step 1.</param>
public readonly record struct ParamSlot(
    Memory<float> Param, ReadOnlyMemory<float> Grad, Memory<float> ExpAvg, Memory<float> ExpAvgSq)
{
    /// <summary>A slot over arrays; the state arrays must start as zeros.</summary>
    public static ParamSlot Of(float[] param, float[] grad, float[] expAvg, float[] expAvgSq) =>
        new(param, grad, expAvg, expAvgSq);
}

/// <summary>
/// torch.optim.AdamW hyper-parameters (PyTorch 2.x defaults; non-amsgrad, maximize = false) plus verl's
/// <c>grad_clip</c>: a positive <see cref="MaxGradNorm"/> clips by the global L2 norm of all grads, fused into the
/// step; null disables clipping (the norm is still computed and returned). Doubles, as torch's Python floats:
/// the float kernels derive their coefficients (1 − β, lr/bc1, …) in double, then round once.
/// </summary>
/// <param name="Lr">Learning rate <c>lr</c>.</param>
/// <param name="Beta1">β1 of <c>betas</c>.</param>
/// <param name="Beta2">β2 of <c>betas</c>.</param>
/// <param name="Eps">Denominator term <c>eps</c>.</param>
/// <param name="WeightDecay">Decoupled <c>weight_decay</c>: p ← p·(1 − lr·wd).</param>
/// <param name="MaxGradNorm">verl <c>grad_clip</c> / torch <c>max_norm</c>; null = no clipping.</param>
public sealed record AdamWOptions(
    double Lr = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 1e-2,
    double? MaxGradNorm = null);

/// <summary>Backend choice for the optimizer family.</summary>
public static class OptimKernels
{
    private static readonly OptimReference s_reference = new();
    private static readonly OptimCpu s_cpu = new();
    private static readonly Lazy<OptimVulkan> s_vulkan = new(() => new OptimVulkan());
    private static readonly Lazy<OptimIlgpu> s_ilgpu = new(() => new OptimIlgpu());

    /// <summary>The implementation for <paramref name="backend"/> (Vulkan: <see cref="OptimVulkan"/>, ILGPU:
    /// <see cref="OptimIlgpu"/>).</summary>
    public static IOptimKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} is not available for the optimizer"),
    };
}
