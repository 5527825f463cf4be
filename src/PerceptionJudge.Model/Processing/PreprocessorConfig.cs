namespace PerceptionJudge.Model.Processing;

/// <summary>
/// Qwen2-VL's image preprocessing settings (HF <c>preprocessor_config.json</c>, Qwen2VLImageProcessor's arguments and
/// defaults). Read with <see cref="PreprocessorConfigJson"/>.
/// </summary>
public sealed record PreprocessorConfig
{
    /// <summary>CLIP's per-channel mean (OPENAI_CLIP_MEAN), HF's default image_mean.</summary>
    public static readonly IReadOnlyList<double> OpenAiClipMean = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>CLIP's per-channel standard deviation (OPENAI_CLIP_STD), HF's default image_std.</summary>
    public static readonly IReadOnlyList<double> OpenAiClipStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Resize to <see cref="SmartResize"/>'s size (do_resize).</summary>
    public bool DoResize { get; init; } = true;

    /// <summary>Multiply by <see cref="RescaleFactor"/> (do_rescale).</summary>
    public bool DoRescale { get; init; } = true;

    /// <summary>The rescale multiplier (rescale_factor; default 1/255).</summary>
    public double RescaleFactor { get; init; } = 1.0 / 255;

    /// <summary>Subtract <see cref="ImageMean"/> and divide by <see cref="ImageStd"/> (do_normalize).</summary>
    public bool DoNormalize { get; init; } = true;

    /// <summary>Per-channel mean (image_mean).</summary>
    public IReadOnlyList<double> ImageMean { get; init; } = OpenAiClipMean;

    /// <summary>Per-channel standard deviation (image_std).</summary>
    public IReadOnlyList<double> ImageStd { get; init; } = OpenAiClipStd;

    /// <summary>Convert to RGB first (do_convert_rgb); our input is RGB already, so it has no effect.</summary>
    public bool DoConvertRgb { get; init; } = true;

    /// <summary>Fewest pixels after resizing (min_pixels, or size.shortest_edge; class default 56·56).</summary>
    public long MinPixels { get; init; } = 56 * 56;

    /// <summary>Most pixels after resizing (max_pixels, or size.longest_edge; class default 28·28·1280).</summary>
    public long MaxPixels { get; init; } = 28 * 28 * 1280;

    /// <summary>Side of a vision patch in pixels (patch_size).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Frames per temporal patch (temporal_patch_size); a still image is repeated to fill it.</summary>
    public int TemporalPatchSize { get; init; } = 2;

    /// <summary>Patches merged per side into one language-model token (merge_size).</summary>
    public int MergeSize { get; init; } = 2;

    /// <summary>The resize granularity: patch_size · merge_size.</summary>
    public int Factor => PatchSize * MergeSize;

    /// <summary>Checks the values are usable; a bad one is a ModelException naming <paramref name="source"/>.</summary>
    public void Validate(string source)
    {
        void Positive(long value, string field)
        {
            if (value <= 0)
            {
                throw new ModelException(source, field, $"must be positive, got {value}");
            }
        }

        Positive(PatchSize, "patch_size");
        Positive(TemporalPatchSize, "temporal_patch_size");
        Positive(MergeSize, "merge_size");
        Positive(MinPixels, "min_pixels");
        Positive(MaxPixels, "max_pixels");
        if (MinPixels > MaxPixels)
        {
            throw new ModelException(source, "min_pixels", $"{MinPixels} exceeds max_pixels {MaxPixels}");
        }

        if (ImageMean.Count != 3)
        {
            throw new ModelException(source, "image_mean", $"needs 3 values (R, G, B), got {ImageMean.Count}");
        }

        if (ImageStd.Count != 3)
        {
            throw new ModelException(source, "image_std", $"needs 3 values (R, G, B), got {ImageStd.Count}");
        }

        if (ImageStd.Any(s => s == 0))
        {
            throw new ModelException(source, "image_std", "a standard deviation of 0 divides by zero");
        }
    }
}
