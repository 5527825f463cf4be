using System.Collections.Concurrent;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;

namespace PerceptionJudge.Data.Images;

/// <summary>
/// How <see cref="ImageCodec"/> drives ImageSharp: a <see cref="Configuration"/> that knows only PNG, JPEG and BMP,
/// runs on the caller's thread, and whose memory allocator refuses any buffer over the limits' cap; decoders that skip
/// metadata (text chunks, EXIF, ICC: less code reached by untrusted bytes, and orientation stays as stored); and the
/// mapping of decoder exceptions to one message.
/// </summary>
internal static class ImageSharpSetup
{
    /// <summary>Megabytes the allocator keeps pooled between images (ImageSharp's default is a share of RAM).</summary>
    public const int PoolMegabytes = 32;

    private static readonly ConcurrentDictionary<int, Configuration> s_byAllocationLimit = new();

    private static readonly PngDecoder s_png = new() { IgnoreMetadata = true };

    private static readonly JpegDecoder s_jpeg = new() { IgnoreMetadata = true };

    private static readonly BmpDecoder s_bmp = new();

    /// <summary>Lossless 8-bit RGBA PNG; transparent pixels keep their colour (stb_image_write wrote the same).
    /// </summary>
    public static PngEncoder PngEncoder { get; } = new()
    {
        ColorType = PngColorType.RgbWithAlpha,
        BitDepth = PngBitDepth.Bit8,
        TransparentColorMode = PngTransparentColorMode.Preserve,
        IgnoreMetadata = true,
    };

    /// <summary>The configuration whose allocator caps one buffer at <paramref name="limits"/>' allocation limit.
    /// </summary>
    public static Configuration For(ImageDecodeLimits limits) =>
        s_byAllocationLimit.GetOrAdd(limits.AllocationLimitMegabytes, megabytes =>
            new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new BmpConfigurationModule())
            {
                MaxDegreeOfParallelism = 1,
                MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
                {
                    AllocationLimitMegabytes = megabytes,
                    MaximumPoolSizeMegabytes = Math.Min(PoolMegabytes, megabytes),
                }),
            });

    /// <summary>The decoder of a format <see cref="ImageCodec.Sniff"/> named.</summary>
    public static IImageDecoder Decoder(string format) => format switch
    {
        "PNG" => s_png,
        "JPEG" => s_jpeg,
        "BMP" => s_bmp,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "expected PNG, JPEG or BMP"),
    };

    /// <summary>
    /// True for every exception a decoder may raise on malformed bytes. ImageSharp's own types are the expected
    /// ones, but crafted files also reach <see cref="InvalidOperationException"/> (a BMP over 65535 px a side),
    /// index and argument errors; on untrusted input all of them mean "this file is unusable". Only running out
    /// of memory is not the file's fault.
    /// </summary>
    public static bool IsDecodeFailure(Exception e) => e is not OutOfMemoryException;

    /// <summary>One line for the error message: the decoder's reason and what to do.</summary>
    public static string Describe(Exception e)
    {
        string reason = e switch
        {
            UnknownImageFormatException => "not a PNG, JPEG or BMP the decoder recognises",
            ImageFormatException => FirstLine(e.Message),
            InvalidMemoryOperationException => $"needs a buffer over the decoder's limit ({FirstLine(e.Message)})",
            _ => $"the decoder failed ({e.GetType().Name}: {FirstLine(e.Message)})",
        };
        return $"{reason}; re-save the file with an image editor or leave it out";
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
