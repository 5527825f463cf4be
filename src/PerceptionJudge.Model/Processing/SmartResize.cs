namespace PerceptionJudge.Model.Processing;

/// <summary>
/// Qwen2-VL's target size (HF transformers image_processing_qwen2_vl.py, <c>smart_resize</c>): both sides a multiple
/// of <c>factor</c> (patch_size·merge_size), the pixel count within [min_pixels, max_pixels], the aspect ratio kept as
/// closely as possible.
/// </summary>
public static class SmartResize
{
    /// <summary>HF's default factor: patch 14 × merge 2.</summary>
    public const int DefaultFactor = 28;

    /// <summary>HF's default minimum pixel count (56·56).</summary>
    public const long DefaultMinPixels = 56 * 56;

    /// <summary>HF's default maximum pixel count (14·14·4·1280).</summary>
    public const long DefaultMaxPixels = 14 * 14 * 4 * 1280;

    /// <summary>Largest long-side / short-side ratio accepted.</summary>
    public const double MaxAspectRatio = 200;

    /// <summary>
    /// (h̄, w̄) = (round(h/f)·f, round(w/f)·f) with Python's round (half to even); when h̄·w̄ &gt; max_pixels,
    /// β = √(h·w / max_pixels) and h̄ = max(f, ⌊h/β/f⌋·f) (same for w); when h̄·w̄ &lt; min_pixels,
    /// β = √(min_pixels / (h·w)) and h̄ = ⌈h·β/f⌉·f. An aspect ratio over 200 is a <see cref="ModelException"/>.
    /// All arithmetic in double, in HF's order of operations.
    /// </summary>
    public static (int Height, int Width) Compute(int height, int width, int factor = DefaultFactor,
        long minPixels = DefaultMinPixels, long maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        double ratio = (double)Math.Max(height, width) / Math.Min(height, width);
        if (ratio > MaxAspectRatio)
        {
            throw new ModelException($"image {width}x{height}: absolute aspect ratio must be at most " +
                $"{MaxAspectRatio}, got {ratio}; crop or pad the image first");
        }

        double f = factor;
        long hBar = (long)Math.Round(height / f, MidpointRounding.ToEven) * factor;
        long wBar = (long)Math.Round(width / f, MidpointRounding.ToEven) * factor;
        double area = (double)((long)height * width);
        if (hBar * wBar > maxPixels)
        {
            double beta = Math.Sqrt(area / maxPixels);
            hBar = Math.Max(factor, (long)Math.Floor(height / beta / f) * factor);
            wBar = Math.Max(factor, (long)Math.Floor(width / beta / f) * factor);
        }
        else if (hBar * wBar < minPixels)
        {
            double beta = Math.Sqrt(minPixels / area);
            hBar = (long)Math.Ceiling(height * beta / f) * factor;
            wBar = (long)Math.Ceiling(width * beta / f) * factor;
        }

        return (checked((int)hBar), checked((int)wBar));
    }
}
