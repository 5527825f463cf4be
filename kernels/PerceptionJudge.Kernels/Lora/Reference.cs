namespace PerceptionJudge.Kernels.Lora;

/// <summary>
/// The spec: the PEFT <c>LoraLayer</c> merge (<c>merge</c> / <c>unmerge</c> / <c>get_delta_weight</c>:
/// <c>delta = (B @ A) · scaling</c>, <c>W += delta</c> or <c>W −= delta</c>), one element at a time with the
/// rank-r dot product in double.
/// </summary>
public sealed class LoraReference : ILoraKernels
{
    /// <inheritdoc />
    public void AddScaledProduct(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape, float scale,
        bool accumulate)
    {
        var (outF, inF, r) = (shape.OutFeatures, shape.InFeatures, shape.Rank);
        for (int o = 0; o < outF; o++)
        {
            for (int i = 0; i < inF; i++)
            {
                double dot = 0;
                for (int k = 0; k < r; k++)
                {
                    dot += (double)loraB[o * r + k] * loraA[k * inF + i];
                }

                double w = accumulate ? weight[o * inF + i] : 0.0;
                weight[o * inF + i] = (float)(w + scale * dot);
            }
        }
    }
}
