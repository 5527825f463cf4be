namespace PerceptionJudge.Data.Images;

/// <summary>
/// What a dataset image may declare before it is decoded: decoding untrusted files is a security boundary, and a
/// 70-byte PNG can declare 100000 × 100000 pixels (40 GB of RGBA). <see cref="ImageCodec"/> reads the header first
/// and refuses an image over these limits with a <see cref="DataException"/> before any pixel buffer exists.
/// </summary>
/// <param name="MaxWidth">The widest image accepted, in pixels.</param>
/// <param name="MaxHeight">The tallest image accepted, in pixels.</param>
/// <param name="MaxPixels">The most pixels (width · height) accepted; bounds the decoded RGBA8 size at 4 bytes each.
/// </param>
public sealed record ImageDecodeLimits(int MaxWidth, int MaxHeight, long MaxPixels)
{
    /// <summary>Default longest side: 16384 px, far above any image a vision encoder takes.</summary>
    public const int DefaultMaxSide = 16384;

    /// <summary>Default pixel budget: 2^26 (67 Mpx; 256 MiB as RGBA8).</summary>
    public const long DefaultMaxPixels = 1L << 26;

    /// <summary>
    /// Bytes per pixel the decoder's widest working buffer may take (a 16-bit RGBA row is 8 bytes a pixel); with
    /// <see cref="MaxPixels"/> it gives the per-buffer cap of the decoder's memory allocator.
    /// </summary>
    public const int WorkingBytesPerPixel = 8;

    /// <summary>The limits <see cref="ImageCodec.Load(string)"/> and <see cref="ImageCodec.Decode"/> use by default.
    /// </summary>
    public static ImageDecodeLimits Default { get; } = new(DefaultMaxSide, DefaultMaxSide, DefaultMaxPixels);

    /// <summary>The largest single buffer the decoder may allocate, in MiB (at least 1).</summary>
    public int AllocationLimitMegabytes =>
        (int)Math.Clamp((MaxPixels * WorkingBytesPerPixel + (1 << 20) - 1) >> 20, 1, int.MaxValue);

    /// <summary>Null when a <paramref name="width"/> × <paramref name="height"/> image fits, else why not.</summary>
    public string? Refusal(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            return $"declares {width}x{height} pixels";
        }

        long pixels = (long)width * height;
        return width > MaxWidth || height > MaxHeight || pixels > MaxPixels
            ? $"declares {width}x{height} pixels, over the decode limit of {MaxWidth}x{MaxHeight} and {MaxPixels} " +
              "pixels; downscale the image (or pass larger ImageDecodeLimits if it is trusted)"
            : null;
    }
}
