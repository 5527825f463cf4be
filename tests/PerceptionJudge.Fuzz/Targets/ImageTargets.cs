using PerceptionJudge.Data;
using PerceptionJudge.Data.Images;

namespace PerceptionJudge.Fuzz.Targets;

/// <summary>
/// Dataset images: PNG, JPEG, BMP (and GIF, which must be refused) bytes through <see cref="ImageCodec.Decode"/>, the
/// ImageSharp decoders behind it, then a PNG round trip of whatever decoded.
/// </summary>
public static class ImageTargets
{
    /// <summary>
    /// The decode limits under fuzzing: 1 Mpx (4 MiB of RGBA), so a small input that declares a large image (a PNG's
    /// rows may be missing, a BMP's header may lie) stays inside <see cref="FuzzProperty.AllocationLimit"/>. The
    /// default limits are the same code with larger numbers; their refusal of 100000 × 100000 is a Data test.
    /// </summary>
    public static ImageDecodeLimits Limits { get; } = new(2048, 2048, 1 << 20);

    private static readonly string[] s_tokens =
    [
        "IHDR", "IDAT", "IEND", "PLTE", "tRNS", "gAMA", "zTXt", "iTXt", "tEXt", "acTL", "GIF89a",
        "GIF87a", "NETSCAPE2.0", "BM", "JFIF", "Exif", "Adobe", "ICC_PROFILE", "\u0000\u0000\u0000\u0000",
        "\u007f\u007f\u007f\u007f", "\u0001\u0000\u0000\u0000",
    ];

    /// <summary>The targets of this family.</summary>
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "images", "PNG/JPEG/GIF/BMP bytes: ImageCodec.Decode (1 Mpx limit), then EncodePng and Decode back",
            DecodeAndRoundTrip, [typeof(DataException)], s_tokens, 1000);
    }

    private static void DecodeAndRoundTrip(byte[] input)
    {
        var image = ImageCodec.Decode(input, "fuzz-input", Limits);
        if (image.Width > Limits.MaxWidth || image.Height > Limits.MaxHeight ||
            (long)image.Width * image.Height > Limits.MaxPixels)
        {
            throw new FuzzPropertyException($"decoded {image.Width}x{image.Height}, over the limits {Limits}");
        }

        var back = ImageCodec.Decode(ImageCodec.EncodePng(image), "fuzz-round-trip", Limits);
        if (back.Width != image.Width || back.Height != image.Height ||
            !back.Pixels.AsSpan().SequenceEqual(image.Pixels))
        {
            throw new FuzzPropertyException(
                $"a decoded {image.Width}x{image.Height} image does not survive a PNG round trip");
        }
    }
}
