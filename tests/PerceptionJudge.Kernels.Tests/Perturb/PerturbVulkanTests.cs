using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using static PerceptionJudge.Kernels.Tests.Perturb.PerturbImages;

namespace PerceptionJudge.Kernels.Tests.Perturb;

/// <summary>The Vulkan perturbations the shared suite cannot reach (its cutout test also draws text): cutout against
/// the reference, recolour against the reference, the argument checks of the ported ops, and the not-ported
/// errors.</summary>
public sealed class PerturbVulkanTests
{
    private static readonly IPerturbKernels s_ref = PerturbKernels.For(Backend.Reference);

    private static PerturbVulkan Open()
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        return new PerturbVulkan();
    }

    [TestCase(5, 5, 10, 4)]
    [TestCase(-3, 25, 60, 30)]
    [TestCase(50, 50, 4, 4)]
    public void FillRect_MatchesReferenceAndKeepsAlpha(int x, int y, int w, int h)
    {
        var k = Open();
        var s = new ImageShape(4, 30, 40);
        var img = Random(s, 7);
        var expected = (float[])img.Clone();
        k.FillRect(img, s, new PixelRect(x, y, w, h), new Rgb(0.25f, 0.5f, 0.75f));
        s_ref.FillRect(expected, s, new PixelRect(x, y, w, h), new Rgb(0.25f, 0.5f, 0.75f));
        Assert.That(img, Is.EqualTo(expected));
    }

    /// <summary>A scaled paste (bilinear resampling of image and mask, partly off the image) equals the reference.
    /// </summary>
    [Test]
    public void Paste_ScaledAndClippedMatchesReferenceBitExact()
    {
        var k = Open();
        var s = new ImageShape(4, 40, 50);
        var src = Random(s, 3);
        var mask = new byte[s.Plane];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = (byte)(i % 7 == 0 ? 0 : i % 5 == 0 ? 128 : 255);
        }

        var img = Random(s, 4);
        var expected = (float[])img.Clone();
        var (from, to) = (new PixelRect(5, 6, 13, 9), new PixelRect(38, 30, 20, 17));
        k.Paste(src, img, s, mask, from, to);
        s_ref.Paste(src, expected, s, mask, from, to);
        Assert.That(img, Is.EqualTo(expected));
    }

    /// <summary>
    /// Recolour's reference luma is a float reduction on the device (the reference: a serial double mean): the
    /// pixels agree within 1e-5 relative, and a rerun gives the same bits. Full coverage 255, partial coverage
    /// and (second case) no fully covered pixel at all, so L₀ falls back to every covered pixel; the planes
    /// (61 × 83 and 5 × 7) are not a multiple of four bytes of mask.
    /// </summary>
    [TestCase(255, 61, 83)]
    [TestCase(200, 61, 83)]
    [TestCase(255, 5, 7)]
    public void RecolourTo_MatchesReferenceAndRepeatsBitForBit(int fullCoverage, int height, int width)
    {
        var k = Open();
        var s = new ImageShape(4, height, width);
        var mask = new byte[s.Plane];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = (byte)(i % 11 == 0 ? 0 : i % 3 == 0 ? 77 : fullCoverage);
        }

        var target = new Rgb(0.2f, 0.7f, 0.4f);
        var img = Random(s, 12);
        var again = (float[])img.Clone();
        var expected = (float[])img.Clone();
        k.RecolourTo(img, s, mask, target);
        k.RecolourTo(again, s, mask, target);
        s_ref.RecolourTo(expected, s, mask, target);
        Assert.That(again, Is.EqualTo(img), "same bits on a rerun");
        for (int i = 0; i < img.Length; i++)
        {
            Assert.That(img[i], Is.EqualTo(expected[i]).Within(1e-5f * Math.Max(1f, Math.Abs(expected[i]))), $"{i}");
        }
    }

    /// <summary>A 5 × 7 plane (35 mask bytes, not whole words): the last pixels are hue-rotated too.</summary>
    [Test]
    public void HueRotate_MaskOfOddLengthMatchesReference()
    {
        var k = Open();
        var s = new ImageShape(3, 5, 7);
        var mask = Enumerable.Range(0, s.Plane).Select(i => (byte)(i % 4 == 0 ? 128 : 255)).ToArray();
        var img = Random(s, 5);
        var expected = (float[])img.Clone();
        k.HueRotate(img, s, 70f, mask);
        s_ref.HueRotate(expected, s, 70f, mask);
        Assert.That(img, Is.EqualTo(expected));
    }

    [Test]
    public void PortedOps_CheckArgumentsAsTheOtherBackends()
    {
        var k = Open();
        var s = new ImageShape(3, 4, 4);
        var img = new float[s.Size];
        Assert.That(() => k.GaussianBlur(img, s, 0f),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("sigma"));
        Assert.That(() => k.Affine(img, img, s, AffineTransform.Identity),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("source"));
        Assert.That(() => k.HueRotate(img, s, 10f, new byte[3]),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("mask"));
        Assert.That(() => k.RecolourTo(img, s, new byte[3], new Rgb(0, 0, 0)),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("mask"));
        Assert.That(() => k.SaltPepper(new float[5], s, 0.1f, 1),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("image"));
    }

    [Test]
    public void UnportedOpsThrowListingThePortedOnes()
    {
        var k = Open();
        var s = new ImageShape(3, 4, 4);
        var img = new float[s.Size];
        var mask = new byte[s.Plane];
        var ex = Assert.Throws<NotSupportedException>(() => k.JpegQuantise(img, s, 50));
        Assert.That(ex!.Message, Does.Contain("'jpeg' is not ported").And.Contain("gaussian_blur"));
        Assert.Throws<NotSupportedException>(() => k.Inpaint(img, s, mask, 3));
        Assert.That(() => k.ExemplarFill(img, s, mask, ExemplarFillOptions.Default, 1),
            Throws.TypeOf<NotSupportedException>().With.Message.Contain("'exemplar_fill' is not ported"));
        Assert.Throws<NotSupportedException>(() => k.DrawText(img, s, "A", 0, 0, 1, new Rgb(1, 1, 1)));
    }
}
