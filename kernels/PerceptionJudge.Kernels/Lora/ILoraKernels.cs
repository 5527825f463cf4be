using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Lora;

/// <summary>
/// The LoRA weight operation set: <c>W ← W + scale·B·A</c> (merge; unmerge is scale → −scale) or
/// <c>D ← scale·B·A</c> (delta). Implemented by <see cref="LoraReference"/> (the spec), <see cref="LoraCpu"/> and
/// <see cref="LoraVulkan"/> and <see cref="LoraIlgpu"/>.
/// Inputs are assumed validated (see <see cref="LoraMerge"/>).
/// </summary>
public interface ILoraKernels
{
    /// <summary>
    /// <c>weight[o][i] = (accumulate ? weight[o][i] : 0) + scale · Σ_k loraB[o][k] · loraA[k][i]</c>, with
    /// weight [out][in], loraA [rank][in], loraB [out][rank], all row-major.
    /// </summary>
    void AddScaledProduct(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape, float scale,
        bool accumulate);
}

/// <summary>Shapes of one LoRA-adapted linear layer (PEFT <c>out_features</c>, <c>in_features</c>, <c>r</c>).</summary>
/// <param name="OutFeatures">Rows of W and of B.</param>
/// <param name="InFeatures">Columns of W and of A.</param>
/// <param name="Rank">LoRA rank r: rows of A, columns of B.</param>
public readonly record struct LoraShape(int OutFeatures, int InFeatures, int Rank);

/// <summary>
/// PEFT's LoRA scaling: <c>scaling = lora_alpha / r</c>, or <c>lora_alpha / √r</c> with <c>use_rslora</c>
/// (Kalajdzievski 2023, "A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA").
/// </summary>
/// <param name="Alpha"><c>lora_alpha</c>.</param>
/// <param name="UseRsLora"><c>use_rslora</c>: divide by √r instead of r.</param>
public sealed record LoraOptions(double Alpha, bool UseRsLora = false)
{
    /// <summary>α / r, or α / √r with rsLoRA.</summary>
    public double Scale(int rank) => UseRsLora ? Alpha / Math.Sqrt(rank) : Alpha / rank;
}

/// <summary>Backend choice for the LoRA family.</summary>
public static class LoraKernels
{
    private static readonly LoraReference s_reference = new();
    private static readonly LoraCpu s_cpu = new();
    private static readonly Lazy<LoraVulkan> s_vulkan = new(() => new LoraVulkan());
    private static readonly Lazy<LoraIlgpu> s_ilgpu = new(() => new LoraIlgpu());

    /// <summary>The implementation for <paramref name="backend"/> (Vulkan: <see cref="LoraVulkan"/>, ILGPU:
    /// <see cref="LoraIlgpu"/>).</summary>
    public static ILoraKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} is not available for LoRA merge"),
    };
}
