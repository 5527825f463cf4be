using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Data.Images;

namespace PerceptionJudge.Data.Tests.Images;

[TestFixture]
public sealed class ImageCodecTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pj-codec-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    internal static Rgba8Image Gradient(int w, int h, bool opaque = false)
    {
        var image = new Rgba8Image(w, h, new byte[w * h * 4]);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 4;
                image.Pixels[i] = (byte)(x * 255 / Math.Max(1, w - 1));
                image.Pixels[i + 1] = (byte)(y * 255 / Math.Max(1, h - 1));
                image.Pixels[i + 2] = (byte)((x * 7 + y * 13) % 256);
                image.Pixels[i + 3] = opaque ? (byte)255 : (byte)(255 - (x + y) % 64);
            }
        }

        return image;
    }

    private static double Psnr(Rgba8Image a, Rgba8Image b)
    {
        double se = 0;
        int n = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            if (i % 4 == 3)
            {
                continue;
            }

            double d = a.Pixels[i] - b.Pixels[i];
            se += d * d;
            n++;
        }

        return 10 * Math.Log10(255.0 * 255.0 / Math.Max(se / n, 1e-12));
    }

    [Test]
    public void Png_RoundTripIsExactIncludingAlpha()
    {
        var image = Gradient(37, 23);
        var back = ImageCodec.Decode(ImageCodec.EncodePng(image), "mem.png");
        Assert.That(back.Width, Is.EqualTo(37));
        Assert.That(back.Height, Is.EqualTo(23));
        Assert.That(back.Pixels, Is.EqualTo(image.Pixels));
    }

    [Test]
    public void Jpeg_RoundTripIsWithinPsnrBound()
    {
        var image = Gradient(64, 48, opaque: true);
        var back = ImageCodec.Decode(ImageCodec.EncodeJpeg(image, 95), "mem.jpg");
        Assert.That(back.Width, Is.EqualTo(64));
        Assert.That(Psnr(image, back), Is.GreaterThan(30.0));
        Assert.That(back.Pixel(5, 5)[3], Is.EqualTo(255), "JPEG has no alpha: decoded opaque");
    }

    [Test]
    public void Save_ThenLoad_WritesFileAtomicallyAndLeavesNoTempFiles()
    {
        string png = Path.Combine(_dir, "a.png");
        string jpg = Path.Combine(_dir, "a.jpg");
        var image = Gradient(16, 16, opaque: true);
        ImageCodec.Save(image, png);
        ImageCodec.Save(image, png); // overwrite
        ImageCodec.Save(image, jpg);
        Assert.That(ImageCodec.Load(png).Pixels, Is.EqualTo(image.Pixels));
        Assert.That(Psnr(image, ImageCodec.Load(jpg)), Is.GreaterThan(22.0), "16x16, high-frequency blue channel");
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "a.png", "a.jpg" }));
    }

    [Test]
    public void Bmp_DecodesAHandWrittenFile()
    {
        // 2x1 24-bit BMP: bottom-up rows padded to 4 bytes, pixels stored B,G,R.
        byte[] bmp =
        [
            (byte)'B', (byte)'M', 62, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
            40, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 8, 0, 0, 0,
            0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 255, 255, 0, 0, 0, 0,
        ];
        var image = ImageCodec.Decode(bmp, "mem.bmp");
        Assert.That(image.Pixel(0, 0).ToArray(), Is.EqualTo(new byte[] { 255, 0, 0, 255 }));
        Assert.That(image.Pixel(1, 0).ToArray(), Is.EqualTo(new byte[] { 0, 0, 255, 255 }));
    }

    [Test]
    public void Load_ThrowsForMissingFileNamingThePath()
    {
        string path = Path.Combine(_dir, "nope.png");
        var ex = Assert.Throws<DataException>(() => ImageCodec.Load(path));
        Assert.That(ex!.Path, Is.EqualTo(path));
        Assert.That(ex.Message, Does.Contain("nope.png"));
    }

    [Test]
    public void Load_ThrowsForTruncatedPngAsCorrupt()
    {
        string path = Path.Combine(_dir, "cut.png");
        var png = ImageCodec.EncodePng(Gradient(40, 40));
        File.WriteAllBytes(path, png[..(png.Length / 2)]);
        var ex = Assert.Throws<DataException>(() => ImageCodec.Load(path));
        Assert.That(ex!.Path, Is.EqualTo(path));
        Assert.That(ex.Message, Does.Contain("corrupt PNG"));
    }

    [Test]
    public void Load_ThrowsForTruncatedJpeg()
    {
        string path = Path.Combine(_dir, "cut.jpg");
        var jpg = ImageCodec.EncodeJpeg(Gradient(40, 40, opaque: true));
        File.WriteAllBytes(path, jpg[..(jpg.Length * 2 / 3)]);
        var ex = Assert.Throws<DataException>(() => ImageCodec.Load(path));
        Assert.That(ex!.Path, Is.EqualTo(path));
    }

    [Test]
    public void Decode_ThrowsForCorruptPngBody()
    {
        var png = ImageCodec.EncodePng(Gradient(40, 40));
        for (int i = 40; i < png.Length - 12; i++)
        {
            png[i] ^= 0x5A;
        }

        var ex = Assert.Throws<DataException>(() => ImageCodec.Decode(png, "bad.png"));
        Assert.That(ex!.Path, Is.EqualTo("bad.png"));
    }

    [Test]
    public void Decode_ThrowsForUnsupportedFormat()
    {
        byte[] gif = "GIF89a\u0001\0\u0001\0\0\0\0;"u8.ToArray();
        var ex = Assert.Throws<DataException>(() => ImageCodec.Decode(gif, "x.gif"));
        Assert.That(ex!.Message, Does.Contain("unsupported"));
    }

    [Test]
    public void Decode_NeverCrashesOnGarbage() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            // Prefix valid magic so the bytes reach the decoder, then anything may follow.
            byte[][] magics = [[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], [(byte)'B', (byte)'M']];
            foreach (var magic in magics)
            {
                try
                {
                    var image = ImageCodec.Decode([.. magic, .. bytes ?? []], "g.bin");
                    if (image.Pixels.Length != image.Width * image.Height * 4)
                    {
                        return false;
                    }
                }
                catch (DataException e) when (e.Path == "g.bin")
                {
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Save_ThrowsForUnknownExtension() =>
        Assert.Throws<DataException>(() => ImageCodec.Save(Gradient(2, 2), Path.Combine(_dir, "a.tiff")));
}
