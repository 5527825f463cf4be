using PerceptionJudge.Model.Processing;

namespace PerceptionJudge.Model.Tests.Processing;

/// <summary>
/// SmartResize against values printed by HF's <c>smart_resize</c> formula run in CPython (its round() is half to
/// even, so 70/28 = 2.5 rounds to 2 and 42/28 = 1.5 to 2).
/// </summary>
[TestFixture]
public sealed class SmartResizeTests
{
    private const long Max = SmartResize.DefaultMaxPixels;

    [TestCase(224, 224, 3136L, Max, 224, 224)] // already multiples: unchanged
    [TestCase(100, 100, 3136L, Max, 112, 112)] // 100/28 = 3.57 → 4
    [TestCase(70, 70, 3136L, Max, 56, 56)] // 70/28 = 2.5 → 2 (half to even), 56·56 = min_pixels: kept
    [TestCase(42, 42, 3136L, Max, 56, 56)] // 42/28 = 1.5 → 2 (half to even)
    [TestCase(98, 126, 3136L, Max, 112, 112)] // 3.5 → 4 and 4.5 → 4
    [TestCase(2000, 3000, 3136L, Max, 812, 1204)] // over max_pixels: β = √(6e6 / 1003520), floor
    [TestCase(20, 30, 3136L, Max, 56, 84)] // under min_pixels: β = √(3136 / 600), ceil
    [TestCase(12, 12, 3136L, Max, 56, 56)] // 12/28 rounds to 0; the min branch lifts it
    [TestCase(28, 5000, 3136L, 3136L, 28, 728)] // floor gives 0 rows: max(factor, ·) keeps one
    [TestCase(480, 640, 3136L, Max, 476, 644)]
    [TestCase(1080, 1920, 3136L, Max, 728, 1316)]
    [TestCase(1080, 1920, 3136L, 12845056L, 1092, 1932)] // Qwen2-VL-Instruct's max_pixels
    [TestCase(10, 2000, 3136L, Max, 28, 812)] // aspect ratio exactly 200 is accepted
    [TestCase(333, 517, 3136L, 200704L, 336, 504)]
    public void Compute_MatchesPythonSmartResize(int h, int w, long min, long max, int expectH, int expectW)
    {
        Assert.That(SmartResize.Compute(h, w, 28, min, max), Is.EqualTo((expectH, expectW)));
    }

    [TestCase(10, 2001)]
    [TestCase(3000, 14)]
    public void Compute_ThrowsForAspectRatioOver200(int h, int w)
    {
        var e = Assert.Throws<ModelException>(() => SmartResize.Compute(h, w));
        Assert.That(e!.Message, Does.Contain("aspect ratio"));
    }

    [Test]
    public void Compute_AlwaysGivesMultiplesOfTheFactorWithinBounds()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            int h = random.Next(28, 4000), w = random.Next(28, 4000);
            if ((double)Math.Max(h, w) / Math.Min(h, w) > 200)
            {
                continue;
            }

            var (rh, rw) = SmartResize.Compute(h, w);
            Assert.That(rh % 28 == 0 && rw % 28 == 0, Is.True, $"{h}x{w} → {rh}x{rw}");
            Assert.That((long)rh * rw, Is.LessThanOrEqualTo(Max), $"{h}x{w} → {rh}x{rw}");
            Assert.That((long)rh * rw, Is.GreaterThanOrEqualTo(SmartResize.DefaultMinPixels), $"{h}x{w}");
        }
    }
}
