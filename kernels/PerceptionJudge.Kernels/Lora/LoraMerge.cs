using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Lora;

/// <summary>
/// Folding a LoRA adapter into its base weight and back, on <see cref="KernelBackend.Current"/>, as PEFT's
/// <c>merge</c> / <c>unmerge</c> / <c>get_delta_weight</c> (formula in <see cref="LoraReference"/>). Shapes:
/// <c>weight</c> [out][in], <c>lora_A</c> [r][in], <c>lora_B</c> [out][r], row-major (torch's nn.Linear layout).
/// Merge then unmerge restores W to within two float roundings: |ΔW| ≤ 2⁻²³·(|W| + |scale·B·A|) per element.
/// </summary>
public static class LoraMerge
{
    /// <summary>W ← W + scale·B·A in place, scale from <paramref name="options"/>.</summary>
    public static void Merge(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape,
        LoraOptions options) =>
        Run(weight, loraA, loraB, shape, (float)Check(options, shape).Scale(shape.Rank), true);

    /// <summary>W ← W − scale·B·A in place (the inverse of <see cref="Merge"/> up to rounding).</summary>
    public static void Unmerge(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape,
        LoraOptions options) =>
        Run(weight, loraA, loraB, shape, -(float)Check(options, shape).Scale(shape.Rank), true);

    /// <summary>delta ← scale·B·A, <paramref name="delta"/> shaped like W.</summary>
    public static void Delta(
        Span<float> delta, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape,
        LoraOptions options) =>
        Run(delta, loraA, loraB, shape, (float)Check(options, shape).Scale(shape.Rank), false);

    private static LoraOptions Check(LoraOptions options, LoraShape shape)
    {
        Guard.Positive(shape.Rank, "r");
        if (!double.IsFinite(options.Alpha))
        {
            throw new KernelInputException("lora_alpha", $"must be finite, got {options.Alpha}");
        }

        return options;
    }

    private static void Run(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape, float scale,
        bool accumulate)
    {
        Guard.Positive(shape.OutFeatures, "out_features");
        Guard.Positive(shape.InFeatures, "in_features");
        long wLength = (long)shape.OutFeatures * shape.InFeatures;
        if (weight.Length != wLength)
        {
            throw new KernelInputException(
                "weight",
                $"expected [{shape.OutFeatures}][{shape.InFeatures}] = {wLength} elements, got {weight.Length}");
        }

        if (loraA.Length != (long)shape.Rank * shape.InFeatures)
        {
            throw new KernelInputException(
                "lora_A", $"expected [{shape.Rank}][{shape.InFeatures}] elements, got {loraA.Length}");
        }

        if (loraB.Length != (long)shape.OutFeatures * shape.Rank)
        {
            throw new KernelInputException(
                "lora_B", $"expected [{shape.OutFeatures}][{shape.Rank}] elements, got {loraB.Length}");
        }

        Guard.Finite(loraA, "lora_A", shape.InFeatures);
        Guard.Finite(loraB, "lora_B", shape.Rank);
        using var span = KernelTrace.Kernel("lora.merge", 8L * weight.Length + 4L * (loraA.Length + loraB.Length));
        LoraKernels.For(KernelBackend.Current).AddScaledProduct(weight, loraA, loraB, shape, scale, accumulate);
    }
}
