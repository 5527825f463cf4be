using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PerceptionJudge.Data.Images;

/// <summary>
/// PNG/JPEG/BMP decoding and PNG/JPEG encoding through stb. Decoded pixels are copied out of stb's buffer,
/// which is freed at once; encoders write through a callback into managed memory and files are replaced
/// atomically (temp file + rename), so a crash never leaves a half-written image.
/// </summary>
public static unsafe class ImageCodec
{
    /// <summary>
    /// Reads and decodes <paramref name="path"/>. Missing, corrupt or unsupported → <see cref="DataException"/>.
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
    /// Decodes PNG, JPEG or BMP bytes to RGBA8; <paramref name="path"/> names the source in errors.
    /// Other formats stb understands (GIF, PSD, TGA, HDR, PNM) are rejected: the dataset promises three.
    /// </summary>
    public static Rgba8Image Decode(ReadOnlySpan<byte> bytes, string path)
    {
        string format = Sniff(bytes);
        if (format.Length == 0)
        {
            throw new DataException(path, "unsupported or unrecognised image format (expected PNG, JPEG or BMP)");
        }

        if (format == "JPEG" && !HasJpegEnd(bytes))
        {
            // stb decodes a truncated baseline JPEG without complaint (grey tail); the EOI marker catches it.
            throw new DataException(path, "corrupt JPEG: truncated (no end-of-image marker)");
        }

        NativeStb.EnsureLoaded();
        fixed (byte* src = bytes)
        {
            byte* pixels = NativeStb.LoadFromMemory(src, bytes.Length, out int w, out int h, out _, 4);
            if (pixels == null)
            {
                throw new DataException(path, $"corrupt {format}: {NativeStb.LastFailure()}");
            }

            try
            {
                var managed = new byte[checked(w * h * 4)];
                new ReadOnlySpan<byte>(pixels, managed.Length).CopyTo(managed);
                return new Rgba8Image(w, h, managed);
            }
            finally
            {
                NativeStb.ImageFree(pixels);
            }
        }
    }

    /// <summary>PNG bytes of <paramref name="image"/> (RGBA, lossless).</summary>
    public static byte[] EncodePng(Rgba8Image image) => Encode(image, png: true, quality: 0);

    /// <summary>JPEG bytes of <paramref name="image"/> (RGB, alpha dropped), quality 1..100.</summary>
    public static byte[] EncodeJpeg(Rgba8Image image, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        return Encode(image, png: false, quality);
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

    private static bool HasJpegEnd(ReadOnlySpan<byte> b)
    {
        // EOI (FF D9) must appear near the end; some writers append a few padding bytes after it.
        var tail = b[Math.Max(0, b.Length - 64)..];
        return tail.IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) >= 0;
    }

    private static byte[] Encode(Rgba8Image image, bool png, int quality)
    {
        NativeStb.EnsureLoaded();
        var writer = new ArrayBufferWriter<byte>(image.Width * image.Height + 1024);
        var handle = GCHandle.Alloc(writer);
        try
        {
            void* ctx = (void*)GCHandle.ToIntPtr(handle);
            int ok;
            fixed (byte* px = image.Pixels)
            {
                ok = png
                    ? NativeStb.WritePngToFunc(&Append, ctx, image.Width, image.Height, 4, px, image.Width * 4)
                    : NativeStb.WriteJpgToFunc(&Append, ctx, image.Width, image.Height, 4, px, quality);
            }

            if (ok == 0)
            {
                throw new InvalidOperationException($"stb failed to encode a {image.Width}x{image.Height} image");
            }

            return writer.WrittenSpan.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Append(void* context, void* data, int size)
    {
        var writer = (ArrayBufferWriter<byte>)GCHandle.FromIntPtr((nint)context).Target!;
        new ReadOnlySpan<byte>(data, size).CopyTo(writer.GetSpan(size));
        writer.Advance(size);
    }
}
