using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace PerceptionJudge.Data.Images;

/// <summary>
/// PNG/JPEG/BMP decoding and PNG/JPEG encoding through SixLabors.ImageSharp 2.1.13 (<see cref="ImageSharpSetup"/>
/// holds its configuration). Decoding is a security boundary: the header is read first and an image over the
/// <see cref="ImageDecodeLimits"/> is refused before any pixel buffer exists, and every decoder failure becomes a
/// <see cref="DataException"/> naming the file. Files are replaced atomically (temp file + rename), so a crash never
/// leaves a half-written image.
/// </summary>
public static unsafe class ImageCodec
{
    /// <summary>
    /// Reads and decodes <paramref name="path"/> under <see cref="ImageDecodeLimits.Default"/>. Missing, corrupt,
    /// unsupported or over the limits → <see cref="DataException"/>.
    /// </summary>
    public static Rgba8Image Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException(path, $"cannot read image: {e.Message}", inner: e);
        }

        return Decode(bytes, path);
    }

    /// <summary>
    /// Decodes PNG, JPEG or BMP bytes to RGBA8; <paramref name="path"/> names the source in errors. Grey is expanded
    /// to RGB, a missing alpha is 255, 16-bit channels are rounded to 8 bits, and EXIF orientation is not applied
    /// (pixels as stored). Other formats (GIF, TIFF, WebP, ...) are rejected: the dataset promises three.
    /// </summary>
    public static Rgba8Image Decode(ReadOnlySpan<byte> bytes, string path, ImageDecodeLimits? limits = null)
    {
        limits ??= ImageDecodeLimits.Default;
        string format = Sniff(bytes);
        if (format.Length == 0)
        {
            throw new DataException(path, "unsupported or unrecognised image format (expected PNG, JPEG or BMP)");
        }

        if (format == "JPEG" && !HasJpegEnd(bytes))
        {
            // ImageSharp decodes a truncated JPEG without complaint (grey tail); the EOI marker catches it.
            throw new DataException(path, "corrupt JPEG: truncated (no end-of-image marker); download it again");
        }

        if (format == "PNG" && !HasPngEnd(bytes))
        {
            // ImageSharp fills the rows a PNG cut between data chunks lacks; the IEND chunk catches the cut.
            throw new DataException(path, "corrupt PNG: truncated (no IEND chunk); download it again");
        }

        if (format == "BMP" && !HasBmpPixels(bytes))
        {
            // Likewise for an uncompressed BMP shorter than the rows its header declares.
            throw new DataException(path,
                "corrupt BMP: truncated (fewer pixel bytes than its header declares); download it again");
        }

        var config = ImageSharpSetup.For(limits);
        var decoder = ImageSharpSetup.Decoder(format);
        fixed (byte* src = bytes)
        {
            using var stream = new UnmanagedMemoryStream(src, bytes.Length);
            try
            {
                var info = ((IImageInfoDetector)decoder).Identify(config, stream, CancellationToken.None)
                    ?? throw new InvalidImageContentException("no image header");
                if (limits.Refusal(info.Width, info.Height) is string refusal)
                {
                    throw new DataException(path, $"{format} {refusal}");
                }

                stream.Position = 0;
                using var image = Image.Load<Rgba32>(config, stream, decoder);
                var pixels = new byte[checked(image.Width * image.Height * 4)];
                image.CopyPixelDataTo(pixels);
                return new Rgba8Image(image.Width, image.Height, pixels);
            }
            catch (Exception e) when (e is not DataException && ImageSharpSetup.IsDecodeFailure(e))
            {
                throw new DataException(path, $"corrupt {format}: {ImageSharpSetup.Describe(e)}", inner: e);
            }
        }
    }

    /// <summary>PNG bytes of <paramref name="image"/> (8-bit RGBA, lossless, no metadata).</summary>
    public static byte[] EncodePng(Rgba8Image image) => Encode(image, ImageSharpSetup.PngEncoder);

    /// <summary>
    /// JPEG bytes of <paramref name="image"/> (YCbCr, alpha dropped), quality 1..100; chroma is subsampled 4:2:0 up
    /// to quality 90 and kept whole above, as stb_image_write did.
    /// </summary>
    public static byte[] EncodeJpeg(Rgba8Image image, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        return Encode(image, new JpegEncoder
        {
            Quality = quality,
            ColorType = quality > 90 ? JpegColorType.YCbCrRatio444 : JpegColorType.YCbCrRatio420,
        });
    }

    /// <summary>
    /// Writes PNG or JPEG by the extension of <paramref name="path"/> (.png, .jpg, .jpeg), atomically.
    /// </summary>
    public static void Save(Rgba8Image image, string path, int jpegQuality = 90)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        byte[] bytes = ext switch
        {
            ".png" => EncodePng(image),
            ".jpg" or ".jpeg" => EncodeJpeg(image, jpegQuality),
            _ => throw new DataException(path, "cannot encode: extension must be .png, .jpg or .jpeg"),
        };
        WriteAtomically(path, bytes);
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to a temp file beside <paramref name="path"/>, then renames over it.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        string full = System.IO.Path.GetFullPath(path);
        string temp = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new DataException(path, $"cannot write image: {e.Message}", inner: e);
        }
    }

    /// <summary>"PNG", "JPEG", "BMP" from the magic bytes, or "".</summary>
    internal static string Sniff(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 8 && b[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "PNG";
        }

        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        {
            return "JPEG";
        }

        return b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M' ? "BMP" : "";
    }

    // EOI (FF D9) must appear near the end; some writers append a few padding bytes after it.
    private static bool HasJpegEnd(ReadOnlySpan<byte> b) => Tail(b).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) >= 0;

    // The IEND chunk type, likewise near the end.
    private static bool HasPngEnd(ReadOnlySpan<byte> b) => Tail(b).IndexOf("IEND"u8) >= 0;

    // An uncompressed (BI_RGB or BI_BITFIELDS) BMP must hold offset + stride · |height| bytes; RLE and OS/2 headers
    // are left to the decoder.
    private static bool HasBmpPixels(ReadOnlySpan<byte> b)
    {
        if (b.Length < 34 || BinaryPrimitives.ReadInt32LittleEndian(b[14..]) < 40)
        {
            return true;
        }

        long offset = BinaryPrimitives.ReadUInt32LittleEndian(b[10..]);
        long width = BinaryPrimitives.ReadInt32LittleEndian(b[18..]);
        long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(b[22..]));
        int bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(b[30..]);
        if (compression is not (0 or 3) || width <= 0 || bitsPerPixel == 0)
        {
            return true;
        }

        long stride = (width * bitsPerPixel + 31) / 32 * 4;
        return b.Length >= offset + stride * height;
    }

    private static ReadOnlySpan<byte> Tail(ReadOnlySpan<byte> b) => b[Math.Max(0, b.Length - 64)..];

    private static byte[] Encode(Rgba8Image image, IImageEncoder encoder)
    {
        using var wrapped = Image.WrapMemory<Rgba32>(ImageSharpSetup.For(ImageDecodeLimits.Default),
            image.Pixels.AsMemory(), image.Width, image.Height);
        using var output = new MemoryStream(image.Width * image.Height + 1024);
        wrapped.Save(output, encoder);
        return output.ToArray();
    }
}
