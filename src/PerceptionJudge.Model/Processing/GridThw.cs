namespace PerceptionJudge.Model.Processing;

/// <summary>
/// One image's patch grid (HF <c>image_grid_thw</c> row): <see cref="T"/> temporal patches, <see cref="H"/> ×
/// <see cref="W"/> spatial patches.
/// </summary>
public readonly record struct GridThw(int T, int H, int W)
{
    /// <summary>Patches of the image: T·H·W (its rows in the pixel values).</summary>
    public int Patches => T * H * W;

    /// <summary>
    /// Language-model tokens of the image after the vision merger: T·H·W / merge_size² (HF Qwen2VLProcessor's
    /// image pad expansion).
    /// </summary>
    public int TokenCount(int mergeSize) => Patches / (mergeSize * mergeSize);
}
