using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;
using static PerceptionJudge.Kernels.Tests.Perturb.PerturbImages;

namespace PerceptionJudge.Kernels.Tests.Perturb;

/// <summary>
/// One body per backend. Cpu vs Reference: bit-exact for every op but the blur (float vs double taps:
/// |Δ| ≤ 1e-5 on the [0, 1] scale, well under ½ LSB of 8-bit output). ILGPU runs every op (its own pooling and
/// bit-exactness tests: <see cref="PerturbIlgpuTests"/>); on its CPU accelerator cases above 4096 pixels skip.
/// </summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class PerturbTests(Backend backend)
{
    private readonly IPerturbKernels _k = Backends.Bind(backend, PerturbKernels.For);

    /// <summary>Tests of ops not ported to Vulkan (inpaint and the transplants that use it, JPEG, text, and
    /// the argument checks that call them) skip there with the ported list.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() => Backends.SkipUnlessRuns(
        backend,
        Ported.Only(
            TestContext.CurrentContext.Test.MethodName is not string name
                || !new[] { "Inpaint_", "Transplants_", "Swap_", "Jpeg_", "Cutout_And_Text_", "Ops_ThrowForBadArguments" }
                    .Any(p => name.StartsWith(p, StringComparison.Ordinal)),
            PerturbVulkan.Ported),
        Ported.All(PerturbIlgpu.Ported));

    /// <summary>The shapes a size-sweeping test runs here: all but those above the ILGPU CPU accelerator's budget.
    /// </summary>
    private IEnumerable<ImageShape> Shapes(int images) =>
        s_shapes.Where(s => !(backend == Backend.Ilgpu && Kernels.Runtime.Ilgpu.IlgpuRuntime.Shared.IsCpu
            && (long)s.Plane * images > Backends.IlgpuCpuBudget));

    private static readonly IPerturbKernels s_ref = PerturbKernels.For(Backend.Reference);

    private static readonly ImageShape[] s_shapes =
    [
        new(3, 3, 5), new(3, 17, 9), new(4, 29, 37), new(3, 300, 450),
    ];

    private static readonly PointwiseChain s_chain = new(1.2f, 0.8f, 1.5f, 0.05f);

    [Test]
    public void Pointwise_MatchesReferenceBitExactAcrossSizes()
    {
        foreach (var s in Shapes(2))
        {
            var chains = new[] { s_chain, new PointwiseChain(0.7f, 1.3f, 0.2f, 0f) };
            var seeds = new ulong[] { 7, 8 };
            var a = Random(new ImageShape(s.Channels, s.Height * 2, s.Width));
            var b = (float[])a.Clone();
            _k.Pointwise(a, s, chains, seeds);
            s_ref.Pointwise(b, s, chains, seeds);
            Assert.That(a, Is.EqualTo(b), $"shape {s}");
        }
    }

    [Test]
    public void Pointwise_FusedEqualsOneStageAtATime()
    {
        var s = new ImageShape(3, 41, 67);
        var fused = Random(s);
        var staged = (float[])fused.Clone();
        _k.Pointwise(fused, s, [s_chain], [99]);
        foreach (var stage in new[]
        {
            PointwiseChain.Identity with { Brightness = s_chain.Brightness },
            PointwiseChain.Identity with { Contrast = s_chain.Contrast },
            PointwiseChain.Identity with { Saturation = s_chain.Saturation },
            PointwiseChain.Identity with { NoiseStd = s_chain.NoiseStd },
        })
        {
            _k.Pointwise(staged, s, [stage], [99]);
        }

        Assert.That(fused, Is.EqualTo(staged));
    }

    [Test]
    public void Pointwise_IdentityChangesNothingAndKeepsAlpha()
    {
        var s = new ImageShape(4, 9, 23);
        var a = Random(s);
        var b = (float[])a.Clone();
        _k.Pointwise(a, s, [PointwiseChain.Identity], [1]);
        Assert.That(a, Is.EqualTo(b));
        _k.Pointwise(a, s, [s_chain], [1]);
        Assert.That(a.AsSpan(3 * s.Plane).ToArray(), Is.EqualTo(b.AsSpan(3 * s.Plane).ToArray()), "alpha");
    }

    [Test]
    public void Pointwise_HandComputedPixel()
    {
        // r,g,b = 0.5, 0.25, 1 → brightness 1.2: 0.6, 0.3, 1 (clamped) → contrast 2: 0.7, 0.1, 1
        // → saturation 0: all = luma = 0.299·0.7 + 0.587·0.1 + 0.114·1 = 0.3820.
        var s = new ImageShape(3, 1, 1);
        float[] a = [0.5f, 0.25f, 1f];
        _k.Pointwise(a, s, [new PointwiseChain(1.2f, 2f, 0f, 0f)], [0]);
        Assert.That(a, Is.EqualTo(new[] { 0.382f, 0.382f, 0.382f }).Within(1e-6f));
    }

    [Test]
    public void Noise_ChangesPixelsEverywhereWithinBoundsWithUnitStatistics()
    {
        var s = new ImageShape(3, 64, 64);
        var a = Constant(s, 0.5f, 0.5f, 0.5f);
        new GaussianNoiseOp(0.1f).Apply(_k, a, s, 5);
        Assert.That(a.Count(v => v != 0.5f), Is.GreaterThan(a.Length * 99 / 100));
        Assert.That(a.All(v => v is >= 0f and <= 1f));
        double mean = a.Average(v => v - 0.5);
        double std = Math.Sqrt(a.Average(v => (v - 0.5) * (v - 0.5)));
        Assert.That(mean, Is.EqualTo(0).Within(0.003));
        Assert.That(std, Is.EqualTo(0.1).Within(0.005));
    }

    [Test]
    public void Noise_SameSeedSameBitsOtherSeedDiffers()
    {
        var s = new ImageShape(3, 33, 50);
        var a = Random(s);
        var b = (float[])a.Clone();
        var c = (float[])a.Clone();
        _k.Pointwise(a, s, [s_chain], [42]);
        _k.Pointwise(b, s, [s_chain], [42]);
        _k.Pointwise(c, s, [s_chain], [43]);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
    }

    [Test]
    public void Blur_MatchesReferenceWithin1e5()
    {
        foreach (var s in Shapes(3))
        {
            foreach (float sigma in new[] { 0.6f, 2.5f })
            {
                var a = Random(s, 3);
                var b = (float[])a.Clone();
                _k.GaussianBlur(a, s, sigma);
                s_ref.GaussianBlur(b, s, sigma);
                TestRandom.AssertClose(a, b, 1e-5, $"blur {s} sigma {sigma}");
            }
        }
    }

    [Test]
    public void Blur_KeepsAConstantImageConstant() =>
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), Gen.Choose(0, 255).ToArbitrary(), (sigma10, level) =>
        {
            var s = new ImageShape(3, 13, 21);
            float v = level / 255f;
            var a = Constant(s, v, v, v);
            _k.GaussianBlur(a, s, sigma10 / 10f);
            return a.All(x => Math.Abs(x - v) <= 1e-5f);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Blur_SmoothsAnImpulseIntoNormalisedGaussian()
    {
        var s = new ImageShape(1, 31, 31);
        var a = new float[s.Size];
        a[15 * 31 + 15] = 1f;
        _k.GaussianBlur(a, s, 2f);
        Assert.That(a.Sum(), Is.EqualTo(1f).Within(1e-5f));
        // Separable: value at (15+1, 15) / value at centre = exp(−1/(2·4)).
        Assert.That(a[15 * 31 + 16] / a[15 * 31 + 15], Is.EqualTo(Math.Exp(-1.0 / 8)).Within(1e-5));
    }

    [Test]
    public void SaltPepper_HitsTheRequestedFractionWithBlackOrWhite()
    {
        var s = new ImageShape(3, 100, 100);
        Backends.SkipAboveIlgpuCpuBudget(backend, s.Plane);
        var a = Constant(s, 0.5f, 0.5f, 0.5f);
        _k.SaltPepper(a, s, 0.1f, 9);
        int hit = Enumerable.Range(0, s.Plane).Count(i => a[i] != 0.5f);
        Assert.That(hit, Is.InRange(900, 1100));
        Assert.That(Enumerable.Range(0, s.Plane)
            .All(i => a[i] == 0.5f || (a[i] == a[s.Plane + i] && a[i] is 0f or 1f)));
        var b = Constant(s, 0.5f, 0.5f, 0.5f);
        s_ref.SaltPepper(b, s, 0.1f, 9);
        Assert.That(a, Is.EqualTo(b));
    }

    [Test]
    public void HueRotate_KeepsGreyAndLumaAndFullTurnIsIdentity()
    {
        var s = new ImageShape(3, 1, 3);
        float[] a = [0.5f, 0.6f, 0.3f, 0.5f, 0.4f, 0.45f, 0.5f, 0.5f, 0.4f];
        var before = (float[])a.Clone();
        _k.HueRotate(a, s, 90f, []);
        for (int i = 0; i < 3; i++)
        {
            float l0 = 0.299f * before[i] + 0.587f * before[3 + i] + 0.114f * before[6 + i];
            float l1 = 0.299f * a[i] + 0.587f * a[3 + i] + 0.114f * a[6 + i];
            Assert.That(l1, Is.EqualTo(l0).Within(2e-4f), $"luma of pixel {i}");
        }

        var grey = Constant(s, 0.4f, 0.4f, 0.4f);
        _k.HueRotate(grey, s, 77f, []);
        Assert.That(grey, Is.EqualTo(Constant(s, 0.4f, 0.4f, 0.4f)).Within(1e-5f));
        var turn = (float[])before.Clone();
        _k.HueRotate(turn, s, 360f, []);
        Assert.That(turn, Is.EqualTo(before).Within(1e-5f));
    }

    [Test]
    public void Recolour_FlatObjectBecomesTargetAndOutsideIsByteIdentical()
    {
        var s = new ImageShape(3, 40, 50);
        var (img, mask) = Disk(s, 20, 20, 8, new Rgb(0.9f, 0.1f, 0.1f));
        var before = (float[])img.Clone();
        var target = new Rgb(0.1f, 0.2f, 0.9f);
        _k.RecolourTo(img, s, mask, target);
        AssertChangedOnlyWhere(before, img, s, (x, y) => mask[y * s.Width + x] != 0, "recolour");
        Assert.That(new[] { img[20 * 50 + 20], img[s.Plane + 20 * 50 + 20], img[2 * s.Plane + 20 * 50 + 20] },
            Is.EqualTo(new[] { 0.1f, 0.2f, 0.9f }).Within(1e-5f));
    }

    [Test]
    public void Recolour_NeverTouchesPixelsOutsideTheMask() =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var s = new ImageShape(3, 24, 31);
            var img = Random(s, seed);
            var rect = new PixelRect(rng.Next(-5, 25), rng.Next(-5, 20), rng.Next(1, 15), rng.Next(1, 15));
            var mask = RectMask(s, rect);
            var before = (float[])img.Clone();
            var region = new RegionMask(31, 24, mask.Any(b => b != 0) ? mask : RectMask(s, new(0, 0, 1, 1)));
            var op = rng.Next(2) == 0
                ? RecolourOp.ToColour(region,
                    new Rgb((float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble()))
                : RecolourOp.HueShift(region, rng.Next(-180, 181));
            op.Apply(_k, img, s, 0);
            var m = op.Mask.Coverage.ToArray();
            for (int i = 0; i < s.Size; i++)
            {
                if (m[i % s.Plane] == 0 && img[i] != before[i])
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Inpaint_FillsTheHoleFromTheSurroundingsOnly()
    {
        var s = new ImageShape(3, 48, 64);
        var (img, mask) = Disk(s, 30, 24, 9, new Rgb(1f, 0f, 1f));
        var before = (float[])img.Clone();
        _k.Inpaint(img, s, mask, 400);
        AssertChangedOnlyWhere(before, img, s, (x, y) => mask[y * s.Width + x] != 0, "inpaint");
        // The background is a horizontal ramp 0.2 + 0.6x/W (harmonic), so diffusion must recover it closely.
        double worst = 0;
        for (int i = 0; i < s.Plane; i++)
        {
            if (mask[i] != 0)
            {
                double expected = 0.2 + 0.6 * (i % s.Width) / s.Width;
                worst = Math.Max(worst, Math.Abs(img[i] - expected));
                worst = Math.Max(worst, Math.Abs(img[s.Plane + i] - expected));
            }
        }

        Assert.That(worst, Is.LessThan(0.02));
        var reference = (float[])before.Clone();
        s_ref.Inpaint(reference, s, mask, 400);
        Assert.That(img, Is.EqualTo(reference));
    }

    [Test]
    public void Paste_EqualSizesCopiesExactly()
    {
        var s = new ImageShape(3, 30, 30);
        var src = Random(s, 1);
        var dst = Random(s, 2);
        var before = (float[])dst.Clone();
        var from = new PixelRect(2, 3, 6, 5);
        var to = new PixelRect(20, 21, 6, 5);
        _k.Paste(src, dst, s, RectMask(s, from), from, to);
        AssertChangedOnlyWhere(before, dst, s, (x, y) => x >= 20 && x < 26 && y >= 21 && y < 26, "paste");
        for (int c = 0; c < 3; c++)
        {
            Assert.That(dst[c * s.Plane + 22 * 30 + 21], Is.EqualTo(src[c * s.Plane + 4 * 30 + 3]));
        }
    }

    [Test]
    public void Transplants_ChangeOnlyTheSourceMaskAndTheDestinationRect()
    {
        var s = new ImageShape(3, 64, 80);
        Backends.SkipAboveIlgpuCpuBudget(backend, s.Plane);
        var (img, maskBytes) = Disk(s, 20, 30, 7, new Rgb(0.1f, 0.8f, 0.2f));
        var mask = new RegionMask(80, 64, maskBytes);
        foreach (var op in new[]
        {
            TransplantOp.Move(mask, 30, 5), TransplantOp.Duplicate(mask, 35, -10), TransplantOp.Scale(mask, 1.6f),
        })
        {
            var a = (float[])img.Clone();
            op.Apply(_k, a, s, 0);
            var to = op.To;
            AssertChangedOnlyWhere(img, a, s, (x, y) => maskBytes[y * 80 + x] != 0
                || (x >= to.X && x < to.Right && y >= to.Y && y < to.Bottom), op.Describe());
            Assert.That(CountChanged(img, a), Is.GreaterThan(100), op.Describe());
            var r = (float[])img.Clone();
            op.Apply(s_ref, r, s, 0);
            Assert.That(a, Is.EqualTo(r), op.Describe());
        }
    }

    [Test]
    public void Duplicate_KeepsTheOriginalAndCopiesItsColour()
    {
        var s = new ImageShape(3, 64, 80);
        Backends.SkipAboveIlgpuCpuBudget(backend, s.Plane);
        var (img, maskBytes) = Disk(s, 20, 30, 7, new Rgb(0.1f, 0.8f, 0.2f));
        TransplantOp.Duplicate(new RegionMask(80, 64, maskBytes), 40, 0).Apply(_k, img, s, 0);
        Assert.That(img[s.Plane + 30 * 80 + 20], Is.EqualTo(0.8f));
        Assert.That(img[s.Plane + 30 * 80 + 60], Is.EqualTo(0.8f));
    }

    [Test]
    public void Swap_ExchangesTwoObjects()
    {
        var s = new ImageShape(3, 40, 80);
        var (img, ma) = Disk(s, 15, 20, 6, new Rgb(1f, 0f, 0f));
        var (img2, mb) = Disk(s, 60, 20, 6, new Rgb(0f, 0f, 1f));
        for (int i = 0; i < s.Plane; i++)
        {
            if (mb[i] != 0)
            {
                for (int c = 0; c < 3; c++)
                {
                    img[c * s.Plane + i] = img2[c * s.Plane + i];
                }
            }
        }

        new SwapOp(new RegionMask(80, 40, ma), new RegionMask(80, 40, mb)).Apply(_k, img, s, 0);
        Assert.That(img[2 * s.Plane + 20 * 80 + 15], Is.EqualTo(1f), "blue now on the left");
        Assert.That(img[20 * 80 + 60], Is.EqualTo(1f), "red now on the right");
    }

    [Test]
    public void Jpeg_HandComputedGreyBlockAndReferenceMatch()
    {
        // Grey 107: Y − 128 = −21, DC = 8·(−21) = −168; quality 25 → scale 200 → Q = (16·200 + 50)/100 = 32;
        // round(−168/32 = −5.25) = −5 → DC' = −160 → Y' = −20 + 128 = 108; Cb = Cr = 0 stay 0.
        var s = new ImageShape(3, 8, 8);
        var a = Constant(s, 107 / 255f, 107 / 255f, 107 / 255f);
        _k.JpegQuantise(a, s, 25);
        Assert.That(a, Is.All.EqualTo(108 / 255f).Within(1e-5f));
        foreach (var shape in s_shapes)
        {
            var x = Random(shape, 4);
            var y = (float[])x.Clone();
            _k.JpegQuantise(x, shape, 30);
            s_ref.JpegQuantise(y, shape, 30);
            Assert.That(x, Is.EqualTo(y), shape.ToString());
        }
    }

    [Test]
    public void Jpeg_LowQualityFlattensBlocksHighQualityKeepsThem()
    {
        var s = new ImageShape(3, 32, 32);
        var noisy = Random(s, 5);
        var low = (float[])noisy.Clone();
        var high = (float[])noisy.Clone();
        _k.JpegQuantise(low, s, 5);
        _k.JpegQuantise(high, s, 100);
        double Err(float[] z) => z.Zip(noisy).Max(p => Math.Abs(p.First - p.Second));
        Assert.That(Err(high), Is.LessThan(0.02));
        Assert.That(Err(low), Is.GreaterThan(0.2));
        Assert.That(Variance(low), Is.LessThan(Variance(noisy) / 3));
    }

    private static double Variance(float[] a)
    {
        double m = a.Average(v => (double)v);
        return a.Average(v => (v - m) * (v - m));
    }

    [Test]
    public void Affine_IdentityAndIntegerShift()
    {
        var s = new ImageShape(3, 20, 24);
        var src = Random(s, 6);
        var dst = new float[s.Size];
        _k.Affine(src, dst, s, AffineTransform.Identity);
        TestRandom.AssertClose(dst, src, 1e-5, "identity");
        _k.Affine(src, dst, s, AffineTransform.Identity with { TranslateX = 3 });
        Assert.That(dst[5 * 24 + 10], Is.EqualTo(src[5 * 24 + 7]).Within(1e-5f));
        var r = new float[s.Size];
        var t = new AffineTransform(7f, 1.05f, 0.1f, 1.5f, -2f);
        _k.Affine(src, dst, s, t);
        s_ref.Affine(src, r, s, t);
        Assert.That(dst, Is.EqualTo(r));
    }

    [Test]
    public void Cutout_And_Text_TouchOnlyTheirRectangles()
    {
        var s = new ImageShape(3, 30, 40);
        var img = Random(s, 7);
        var before = (float[])img.Clone();
        new CutoutOp(new PixelRect(5, 5, 10, 4), new Rgb(0.5f, 0.5f, 0.5f)).Apply(_k, img, s, 0);
        _k.DrawText(img, s, "7A", 20, 10, 2, new Rgb(1, 1, 1));
        var (tw, th) = GlyphFont.Measure("7A", 2);
        Assert.That((tw, th), Is.EqualTo((22, 14)));
        AssertChangedOnlyWhere(before, img, s, (x, y) => (x is >= 5 and < 15 && y is >= 5 and < 9)
            || (x >= 20 && x < 20 + tw && y >= 10 && y < 10 + th), "cutout+text");
        // '7' top row is ink across: pixel (20, 10) is white.
        Assert.That(img[10 * 40 + 20], Is.EqualTo(1f));
    }

    [Test]
    public void Pointwise_ThrowsForRaggedBatch()
    {
        var s = new ImageShape(3, 4, 4);
        var ex = Assert.Throws<KernelInputException>(() => _k.Pointwise(new float[s.Size * 2 - 1], s,
            [PointwiseChain.Identity, PointwiseChain.Identity], [1, 2]));
        Assert.That(ex!.Field, Is.EqualTo("batch"));
    }

    [Test]
    public void Pointwise_ThrowsForBadParameterNamingTheSample()
    {
        var s = new ImageShape(3, 2, 2);
        var ex = Assert.Throws<KernelInputException>(() => _k.Pointwise(new float[s.Size * 2], s,
            [PointwiseChain.Identity, PointwiseChain.Identity with { NoiseStd = float.NaN }], [1, 2]));
        Assert.That(ex!.Field, Is.EqualTo("noise_std"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void Ops_ThrowForBadArguments()
    {
        var s = new ImageShape(3, 4, 4);
        Assert.Throws<KernelInputException>(() => _k.GaussianBlur(new float[s.Size], s, 0f));
        Assert.Throws<KernelInputException>(() => _k.RecolourTo(new float[s.Size], s, new byte[3], new Rgb(0, 0, 0)));
        Assert.Throws<KernelInputException>(() => _k.DrawText(new float[s.Size], s, "é", 0, 0, 1, new Rgb(0, 0, 0)));
        var img = new float[s.Size];
        Assert.Throws<KernelInputException>(() => _k.Affine(img, img, s, AffineTransform.Identity));
        Assert.Throws<KernelInputException>(() => new RegionMask(4, 4, new byte[16]));
        Assert.Throws<KernelInputException>(() => new JpegOp(0));
        img[5] = float.NaN;
        Assert.Throws<KernelInputException>(() => Perturbation.Apply(new BlurOp(1f), img, s, 0, backend));
    }
}
