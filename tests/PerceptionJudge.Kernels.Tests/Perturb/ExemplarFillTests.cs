using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;
using static PerceptionJudge.Kernels.Tests.Perturb.PerturbImages;

namespace PerceptionJudge.Kernels.Tests.Perturb;

/// <summary>
/// The exemplar (patch) fill on the backends that have it (Reference, Cpu, ILGPU; Vulkan says "not ported", see
/// <see cref="PerturbVulkanTests"/>): hand-checkable textures, confinement to the mask, Cpu and ILGPU = Reference
/// bit for bit (ILGPU: on its CPU accelerator), and texture kept where diffusion smears.
/// </summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithIlgpu))]
public sealed class ExemplarFillTests(Backend backend)
{
    private static readonly IPerturbKernels s_ref = PerturbKernels.For(Backend.Reference);
    private static readonly ExemplarFillOptions s_small = new(2, 32);
    private readonly IPerturbKernels _k = Backends.Bind(backend, PerturbKernels.For);

    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(backend, Ported.All([]), Ported.All(PerturbIlgpu.Ported));

    /// <summary>A periodic texture: value(x, y) of channel c from <paramref name="texture"/>, then a magenta
    /// "object" inside <paramref name="hole"/>. Returns the textured image, the image with the object and the mask.
    /// </summary>
    private static (float[] Truth, float[] Image, byte[] Mask) Textured(ImageShape s, PixelRect hole,
        Func<int, int, int, float> texture)
    {
        var truth = new float[s.Size];
        for (int c = 0; c < s.Channels; c++)
        {
            for (int i = 0; i < s.Plane; i++)
            {
                truth[c * s.Plane + i] = texture(c, i % s.Width, i / s.Width);
            }
        }

        var mask = RectMask(s, hole);
        var image = (float[])truth.Clone();
        for (int i = 0; i < s.Plane; i++)
        {
            if (mask[i] != 0)
            {
                (image[i], image[s.Plane + i], image[2 * s.Plane + i]) = (1f, 0f, 1f);
            }
        }

        return (truth, image, mask);
    }

    [Test]
    public void ExemplarFill_UniformBackgroundIsFilledWithItsColourExactly()
    {
        var s = new ImageShape(3, 30, 40);
        var (truth, img, mask) = Textured(s, new PixelRect(12, 9, 11, 8), (c, _, _) => 0.25f + 0.25f * c);
        _k.ExemplarFill(img, s, mask, ExemplarFillOptions.Default, 1);
        Assert.That(img, Is.EqualTo(truth));
    }

    [TestCase(0, TestName = "ExemplarFill_VerticalStripesAreContinuedExactly")]
    [TestCase(1, TestName = "ExemplarFill_HorizontalStripesAreContinuedExactly")]
    [TestCase(2, TestName = "ExemplarFill_CheckerboardIsContinuedExactly")]
    public void ExemplarFill_PeriodicTextureIsContinuedExactly(int pattern)
    {
        // Stripes 3 px wide (period 6) or 3 px squares: every known part of a 5×5 patch pins the phase, so only
        // sources of the right phase have SSD 0 and the hole gets the texture itself.
        var s = new ImageShape(3, 40, 48);
        Func<int, int, bool> on = pattern switch
        {
            0 => (x, _) => x / 3 % 2 == 0,
            1 => (_, y) => y / 3 % 2 == 0,
            _ => (x, y) => (x / 3 + y / 3) % 2 == 0,
        };
        var (truth, img, mask) = Textured(s, new PixelRect(19, 14, 10, 9),
            (c, x, y) => on(x, y) ? 0.9f - 0.1f * c : 0.1f + 0.2f * c);
        _k.ExemplarFill(img, s, mask, s_small, 7);
        Assert.That(img, Is.EqualTo(truth));
    }

    [Test]
    public void ExemplarFill_ChangesOnlyTheMaskAndFillsItWithImageValues()
    {
        var s = new ImageShape(4, 36, 44);
        var (img, mask) = Disk(s, 20, 17, 7, new Rgb(1f, 0f, 1f));
        var noisy = Random(s, 3);
        for (int i = 0; i < img.Length; i++)
        {
            img[i] = mask[i % s.Plane] != 0 ? img[i] : 0.5f * img[i] + 0.5f * noisy[i];
        }

        var before = (float[])img.Clone();
        _k.ExemplarFill(img, s, mask, s_small, 5);
        AssertChangedOnlyWhere(before, img, s, (x, y) => mask[y * s.Width + x] != 0, "exemplar fill");
        var outside = Enumerable.Range(0, s.Plane).Where(i => mask[i] == 0).Select(i => before[i]).ToHashSet();
        Assert.That(Enumerable.Range(0, s.Plane).Where(i => mask[i] != 0).All(i => outside.Contains(img[i])),
            "every filled value is copied from outside the hole");
    }

    [Test]
    public void ExemplarFill_CpuMatchesReferenceBitExact() =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var s = new ImageShape(rng.Next(1, 5), rng.Next(12, 40), rng.Next(12, 40));
            var img = Random(s, seed);
            var rect = new PixelRect(rng.Next(-3, s.Width - 2), rng.Next(-3, s.Height - 2), rng.Next(2, 12),
                rng.Next(2, 12));
            var mask = RectMask(s, rect);
            var options = new ExemplarFillOptions(rng.Next(1, 4), rng.Next(1, 20));
            var expected = (float[])img.Clone();
            s_ref.ExemplarFill(expected, s, mask, options, (ulong)seed);
            _k.ExemplarFill(img, s, mask, options, (ulong)seed);
            return img.AsSpan().SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void ExemplarFill_PhotoSizedHoleMatchesReferenceAndRepeatsForASeed()
    {
        var s = new ImageShape(3, 120, 160);
        var img = Random(s, 11);
        var mask = RectMask(s, new PixelRect(60, 40, 30, 24));
        var (a, b, expected) = ((float[])img.Clone(), (float[])img.Clone(), (float[])img.Clone());
        _k.ExemplarFill(a, s, mask, ExemplarFillOptions.Default, 42);
        _k.ExemplarFill(b, s, mask, ExemplarFillOptions.Default, 42);
        s_ref.ExemplarFill(expected, s, mask, ExemplarFillOptions.Default, 42);
        Assert.That(a, Is.EqualTo(b), "same seed, same bits");
        Assert.That(a, Is.EqualTo(expected), "Cpu = Reference");
    }

    [Test]
    public void ExemplarFill_KeepsTheTextureWhereDiffusionSmears()
    {
        // I.i.d. noise around a hole: exemplar patches carry the noise in (std near the surroundings'), the
        // diffusion fill converges to a smooth surface (std a fraction of it): the smear of issue 20.
        var s = new ImageShape(3, 48, 64);
        var img = Random(s, 21);
        var mask = RectMask(s, new PixelRect(24, 16, 16, 16));
        var patched = (float[])img.Clone();
        var diffused = (float[])img.Clone();
        _k.ExemplarFill(patched, s, mask, ExemplarFillOptions.Default, 1);
        _k.Inpaint(diffused, s, mask, RemoveOp.DefaultIterations);
        double Std(float[] a, bool inside)
        {
            var v = Enumerable.Range(0, s.Plane).Where(i => (mask[i] != 0) == inside).Select(i => (double)a[i]).ToList();
            double mean = v.Average();
            return Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
        }

        double around = Std(img, inside: false);
        Assert.That(Std(patched, inside: true), Is.GreaterThan(0.8 * around));
        Assert.That(Std(diffused, inside: true), Is.LessThan(0.4 * around));
    }

    [Test]
    public void ExemplarFill_WithNoCompleteSourcePatchFallsBackToDiffusion()
    {
        var s = new ImageShape(3, 6, 7);
        var img = Random(s, 2);
        var expected = (float[])img.Clone();
        var mask = RectMask(s, new PixelRect(2, 2, 3, 2));
        _k.ExemplarFill(img, s, mask, ExemplarFillOptions.Default, 1);
        _k.Inpaint(expected, s, mask, 0);
        Assert.That(img, Is.EqualTo(expected), "a 9×9 patch fits nowhere in 7×6: onion peel");
    }

    [Test]
    public void ExemplarFill_ThrowsForBadArguments()
    {
        var s = new ImageShape(3, 8, 8);
        var img = new float[s.Size];
        Assert.That(() => _k.ExemplarFill(img, s, new byte[s.Plane], new ExemplarFillOptions(0, 8), 1),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("patch_radius"));
        Assert.That(() => _k.ExemplarFill(img, s, new byte[s.Plane], new ExemplarFillOptions(2, 0), 1),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("search_margin"));
        Assert.That(() => _k.ExemplarFill(img, s, new byte[3], ExemplarFillOptions.Default, 1),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("mask"));
    }

    [Test]
    public void RemoveOp_NamesTheExemplarFillAndKeepsTheDiffusionDescription()
    {
        var mask = new RegionMask(8, 8, RectMask(new ImageShape(3, 8, 8), new PixelRect(2, 3, 2, 2)));
        Assert.That(new RemoveOp(mask).Describe(), Is.EqualTo("remove(bbox=[2,3,2,2])"));
        Assert.That(new RemoveOp(mask, HoleFill.Patches()).Describe(),
            Is.EqualTo("remove(bbox=[2,3,2,2], fill=exemplar(patch=9, margin=32))"));
        Assert.That(TransplantOp.Move(mask, 3, 0, HoleFill.Patches(s_small)).Describe(),
            Is.EqualTo("move(from=[2,3,2,2], to=[5,3,2,2], fill=exemplar(patch=5, margin=32))"));
    }
}
