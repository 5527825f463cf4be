using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.Support;
using static PerceptionJudge.Kernels.Tests.Perturb.PerturbImages;

namespace PerceptionJudge.Kernels.Tests.Perturb;

/// <summary>
/// The ILGPU perturbations beyond the shared fixture: every op on a small RGBA image with partial JPEG blocks and
/// a soft-edged mask gives <see cref="PerturbReference"/>'s bits on ILGPU's CPU accelerator (the blur included: double
/// taps as the reference; 1e-5 on a CUDA device, whose float arithmetic may fuse), and running the whole set a
/// second time allocates no device buffer and compiles no kernel.
/// </summary>
public sealed class PerturbIlgpuTests
{
    private static readonly ImageShape s_shape = new(4, 19, 27);
    private static readonly IPerturbKernels s_ref = PerturbKernels.For(Backend.Reference);

    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(PerturbIlgpu.Ported));

    /// <summary>Each op applied to a fresh copy of the same image, by name.</summary>
    private static IEnumerable<(string Op, float[] Image)> RunAll(IPerturbKernels k)
    {
        var s = s_shape;
        var source = Random(s, 21);
        var (_, disk) = Disk(s, 12, 9, 5, new Rgb(0.9f, 0.2f, 0.1f));
        float[] Run(Action<float[]> op)
        {
            var img = Random(s, 5);
            op(img);
            return img;
        }

        yield return ("pointwise", Run(img =>
        {
            var batch = img.Concat(source).ToArray();
            k.Pointwise(batch, s, [new PointwiseChain(1.2f, 0.8f, 1.5f, 0.05f), new PointwiseChain(0.7f, 1.3f, 0.2f, 0.1f)],
                [7, 8]);
            batch.AsSpan(0, s.Size).CopyTo(img);
        }));
        yield return ("gaussian_blur", Run(img => k.GaussianBlur(img, s, 1.3f)));
        yield return ("salt_pepper", Run(img => k.SaltPepper(img, s, 0.2f, 9)));
        yield return ("hue_rotate", Run(img => k.HueRotate(img, s, 75f, disk)));
        yield return ("hue_rotate_everywhere", Run(img => k.HueRotate(img, s, -40f, [])));
        yield return ("recolour", Run(img => k.RecolourTo(img, s, disk, new Rgb(0.1f, 0.3f, 0.8f))));
        yield return ("inpaint", Run(img => k.Inpaint(img, s, disk, 25)));
        yield return ("exemplar_fill", Run(img => k.ExemplarFill(img, s, disk, new ExemplarFillOptions(2, 6), 3)));
        yield return ("paste", Run(img => k.Paste(source, img, s, disk, new PixelRect(7, 4, 11, 10),
            new PixelRect(-2, 6, 15, 13))));
        yield return ("jpeg", Run(img => k.JpegQuantise(img, s, 20)));
        yield return ("affine", Run(img => k.Affine(source, img, s, new AffineTransform(17f, 1.1f, 0.2f, 1.5f, -2f))));
        yield return ("fill_rect", Run(img => k.FillRect(img, s, new PixelRect(20, -3, 10, 8), new Rgb(0.2f, 0.4f, 0.6f))));
        yield return ("draw_text", Run(img => k.DrawText(img, s, "A1-", -2, 3, 2, new Rgb(1f, 0.5f, 0f))));
    }

    [Test]
    public void EveryOp_GivesTheReferenceAndASecondRunAllocatesAndCompilesNothing()
    {
        var context = IlgpuRuntime.Shared;
        var kernels = new PerturbIlgpu(context);
        var expected = RunAll(s_ref).ToDictionary(r => r.Op, r => r.Image);
        var first = RunAll(kernels).ToList();
        Assert.That(first.Select(r => r.Op), Is.SupersetOf(PerturbIlgpu.Ported), "every ported op is exercised");
        foreach (var (op, image) in first)
        {
            if (context.IsCpu)
            {
                Assert.That(image, Is.EqualTo(expected[op]), $"{op}: the reference's bits");
            }
            else
            {
                TestRandom.AssertClose(image, expected[op], 1e-5, op);
            }
        }

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var second = RunAll(kernels).ToList();
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the second run allocates no device buffer and compiles no kernel");
        for (int i = 0; i < first.Count; i++)
        {
            Assert.That(second[i].Image, Is.EqualTo(first[i].Image), $"{first[i].Op}: same bits on a second run");
        }
    }

    [Test]
    public void RoundHalfToEven_IsMathRound()
    {
        double[] values = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -5.25, 3.4999999999999996, 0.49999999999999994, 7.5000001,
            -168.0 / 32, 1e17 + 0.0, -3.75, 0.0];
        foreach (double v in values)
        {
            Assert.That(PerturbIlgpu.RoundHalfToEven(v), Is.EqualTo(Math.Round(v)), $"round({v})");
        }
    }
}
