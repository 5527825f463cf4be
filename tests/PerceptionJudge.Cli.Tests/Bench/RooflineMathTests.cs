using PerceptionJudge.Bench;

namespace PerceptionJudge.Cli.Tests.Bench;

/// <summary>The Vulkan roofline's byte models and table arithmetic (no timing: the numbers are given).</summary>
[TestFixture]
public sealed class RooflineMathTests
{
    [Test]
    public void ByteModels_CountEachCompulsoryArrayOnce()
    {
        Assert.That(RooflineMath.TriadBytes(1 << 26), Is.EqualTo(805_306_368L)); // 3 × 256 MiB
        Assert.That(RooflineMath.GrpoBytes(16, 2), Is.EqualTo(16 * 20 + 3 * 4));
        Assert.That(RooflineMath.PolicyLossBytes(2 * 4096, 2), Is.EqualTo(2 * 4096 * 20 + 2 * 5 * 4));
        Assert.That(RooflineMath.KlBytes(10), Is.EqualTo(160));
        Assert.That(RooflineMath.LossAggBytes(10), Is.EqualTo(120));
        Assert.That(RooflineMath.AdamWBytes(1 << 24), Is.EqualTo(28L << 24));
        Assert.That(RooflineMath.LoraBytes(4096, 4096, 32), Is.EqualTo(4L * (2 * 4096 * 4096 + 32 * 8192)));
        Assert.That(RooflineMath.LoraFlops(4096, 4096, 32), Is.EqualTo(1_073_741_824.0));
        Assert.That(RooflineMath.LogProbForwardBytes(512, 32768), Is.EqualTo(4L * 512 * 32768 + 12 * 512));
        Assert.That(RooflineMath.LogProbBackwardBytes(512, 32768), Is.EqualTo(8L * 512 * 32768 + 12 * 512));
        Assert.That(RooflineMath.PermutationBytes(1000, 5), Is.EqualTo(1000 * 44));
        Assert.That(RooflineMath.KendallBytes(100), Is.EqualTo(1600));
        Assert.That(RooflineMath.LevenshteinBytes(3, 5), Is.EqualTo(32));
        Assert.That(RooflineMath.PointwiseBytes(32 * 3 * 448 * 448), Is.EqualTo(8L * 32 * 3 * 448 * 448));
    }

    [Test]
    public void GigabytesPerSecond_IsBytesPerNanosecond() =>
        Assert.That(RooflineMath.GigabytesPerSecond(805_306_368, 200_000), Is.EqualTo(4026.53184).Within(1e-9));

    [Test]
    public void Median_TakesTheUpperMiddleOfAnEvenCount()
    {
        Assert.That(RooflineMath.Median([5, 1, 3]), Is.EqualTo(3));
        Assert.That(RooflineMath.Median([4, 1, 3, 2]), Is.EqualTo(3));
        Assert.Throws<ArgumentException>(() => RooflineMath.Median([]));
    }

    [Test]
    public void RelativeDifference_ScalesByTheLargestExpectedValue()
    {
        Assert.That(RooflineMath.RelativeDifference([1, 2, 4.5f], [1, 2, 4]), Is.EqualTo(0.125));
        Assert.That(RooflineMath.RelativeDifference([1e-3f], [0]), Is.EqualTo(1e-3).Within(1e-9));
        Assert.That(RooflineMath.RelativeDifference([float.NaN], [1]), Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void FormatRow_GivesGbpsPercentOfTriadRateAndRatio()
    {
        var row = new RooflineRow("LoRA merge", "4096 × 4096, r = 32", "8 B/W elem", 136_314_880, 200_000,
            10_000_000, 1_073_741_824, "GFLOP/s", "max rel. diff 1e-7", 100_000);
        Assert.That(RooflineMath.FormatRow(row, 2726.2976), Is.EqualTo(
            "| LoRA merge | 4096 × 4096, r = 32 | 136.3 MB (8 B/W elem) | 200.0 µs | 682 | 100.0 µs | 1363 | 50% | "
            + "10737.418 GFLOP/s | 10.00 ms | 100× | max rel. diff 1e-7 |"));
        var oneCall = row with { BackToBackNs = double.NaN };
        Assert.That(RooflineMath.FormatRow(oneCall, 2726.2976), Does.Contain("| 682 | – | – | 25% |"),
            "without a back-to-back time the one-call time is used");
        var failed = oneCall with { GpuNs = double.NaN, Work = 0 };
        Assert.That(RooflineMath.FormatRow(failed, 1000), Does.Contain("| – | – | – | – | – |  | 10.00 ms | – |"));
        Assert.That(RooflineMath.Header.Split('\n')[1].Count(ch => ch == '|'),
            Is.EqualTo(RooflineMath.FormatRow(row, 1).Count(ch => ch == '|')));
    }

    [Test]
    public void NearClipBounds_MarksRatiosWithinToleranceOfEachBound()
    {
        float[] old = [0, 0, 0, 0, 0];
        float[] lp = [MathF.Log(0.8f), MathF.Log(1.2f), 0, MathF.Log(3f), MathF.Log(3f)];
        float[] adv = [1, 1, 1, -1, 1];
        var near = RooflineMath.NearClipBounds(old, lp, adv, 0.8, 1.2, 3);
        Assert.That(near, Is.EqualTo(new[] { true, true, false, true, false }),
            "the dual-clip bound c counts only where the advantage is negative");
        float[] a = [1, 2, 3], e = [1, 2.5f, 9];
        Assert.That(RooflineMath.RelativeDifference(a, e, [false, false, true]), Is.EqualTo(0.5 / 2.5).Within(1e-12));
    }
}
