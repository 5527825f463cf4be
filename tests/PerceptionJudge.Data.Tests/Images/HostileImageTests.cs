using System.Buffers.Binary;
using System.Text;
using PerceptionJudge.Data.Images;

namespace PerceptionJudge.Data.Tests.Images;

/// <summary>
/// Hand-made hostile files (issue 16, point 4): each must end in a <see cref="DataException"/> naming the file, and
/// a header that declares a huge image must be refused from the header, before a pixel buffer is allocated.
/// </summary>
[TestFixture]
public sealed class HostileImageTests
{
    /// <summary>A PNG of <paramref name="width"/> × <paramref name="height"/> RGBA8 whose one IDAT holds
    /// <paramref name="rows"/> rows, with correct CRCs, so only the declared size is hostile.</summary>
    internal static byte[] Png(int width, int height, int rows)
    {
        var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 6; // RGBA
        Chunk(stream, "IHDR", ihdr);
        var raw = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(raw, System.IO.Compression.CompressionLevel.Optimal, true))
        {
            z.Write(new byte[rows * (1 + width * 4)]);
        }

        Chunk(stream, "IDAT", raw.ToArray());
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] data)
    {
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        Span<byte> be = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(be, data.Length);
        stream.Write(be);
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(be, Crc32(typed));
        stream.Write(be);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320 & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }

    private static DataException Refused(byte[] bytes, string path, ImageDecodeLimits? limits = null)
    {
        var ex = Assert.Throws<DataException>(() => ImageCodec.Decode(bytes, path, limits))!;
        Assert.That(ex.Path, Is.EqualTo(path));
        Assert.That(ex.Message, Does.StartWith(path + ": "));
        return ex;
    }

    [Test]
    public void Png_Declaring100000Squared_IsRefusedFromTheHeaderWithoutAllocating()
    {
        byte[] png = Png(100000, 100000, 0);
        Assert.That(png.Length, Is.LessThan(100), "a few dozen bytes declare 40 GB of RGBA");
        long before = GC.GetTotalAllocatedBytes(precise: true);

        var ex = Refused(png, "huge.png");

        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(1 << 20));
        Assert.That(ex.Message, Does.Contain("100000x100000").And.Contain("limit").And.Contain("downscale"));
    }

    [Test]
    public void Png_OverCustomLimits_IsRefusedAndUnderThemDecodes()
    {
        byte[] png = Png(40, 30, 30);
        Refused(png, "a.png", new ImageDecodeLimits(32, 64, 1 << 20));
        Refused(png, "a.png", new ImageDecodeLimits(64, 64, 1000));
        var image = ImageCodec.Decode(png, "a.png", new ImageDecodeLimits(40, 30, 1200));
        Assert.That((image.Width, image.Height), Is.EqualTo((40, 30)));
    }

    [Test]
    public void Jpeg_DeclaringHugeFrame_IsRefusedFromTheHeader()
    {
        byte[] jpeg = ImageCodec.EncodeJpeg(ImageCodecTests.Gradient(16, 16, opaque: true));
        int sof = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
        Assert.That(sof, Is.GreaterThan(0), "baseline frame header");
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 65500); // height
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 65500); // width

        Assert.That(Refused(jpeg, "huge.jpg").Message, Does.Contain("65500x65500"));
    }

    [Test]
    public void Bmp_DeclaringHugeSize_IsRefused()
    {
        byte[] bmp = new byte[200];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 100000);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 100000);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);

        Assert.That(Refused(bmp, "huge.bmp").Message, Does.Contain("corrupt BMP").Or.Contain("limit"));
    }

    [Test]
    public void Jpeg_TruncatedAtEveryTenthOfItsLength_IsRefused()
    {
        byte[] jpeg = ImageCodec.EncodeJpeg(ImageCodecTests.Gradient(40, 40, opaque: true));
        for (int tenth = 0; tenth < 10; tenth++)
        {
            Refused(jpeg[..(jpeg.Length * tenth / 10)], "cut.jpg");
        }
    }

    [Test]
    public void Png_CutBetweenChunks_IsRefusedAsTruncated()
    {
        byte[] png = Png(16, 16, 16);
        int iend = png.Length - 12;
        Assert.That(Refused(png[..iend], "cut.png").Message, Does.Contain("truncated"));
    }

    [Test]
    public void Bmp_ShorterThanItsDeclaredRows_IsRefusedAsTruncated()
    {
        // The hand-written 2x1 24-bit BMP of ImageCodecTests, its one 8-byte row cut to 5 bytes.
        byte[] bmp =
        [
            (byte)'B', (byte)'M', 62, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
            40, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 8, 0, 0, 0,
            0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 255, 255, 0, 0, 0, 0,
        ];
        Assert.That(ImageCodec.Decode(bmp, "whole.bmp").Width, Is.EqualTo(2));

        Assert.That(Refused(bmp[..59], "cut.bmp").Message, Does.Contain("truncated"));
    }

    [Test]
    public void ZeroBytes_IsRefusedAsUnsupported() =>
        Assert.That(Refused([], "empty.png").Message, Does.Contain("unsupported"));

    [Test]
    public void RandomBytes_BehindEachMagic_AreRefused()
    {
        var random = new Random(16);
        byte[][] magics =
        [
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], [0xFF, 0xD8, 0xFF], "BM"u8.ToArray(),
            "GIF89a"u8.ToArray(), [],
        ];
        foreach (byte[] magic in magics)
        {
            for (int n = 0; n < 20; n++)
            {
                byte[] tail = new byte[random.Next(0, 600)];
                random.NextBytes(tail);
                Refused([.. magic, .. tail], "random.bin");
            }
        }
    }
}
