using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Tests.Perturb;

[TestFixture]
public sealed class HashRngAndFontTests
{
    [Test]
    public void Normal8_EqualsEightScalarDraws() =>
        Prop.ForAll<ulong, uint>((seed, c0) =>
        {
            var v = HashRng.Normal8(seed, c0);
            return Enumerable.Range(0, 8).All(j => v[j] == HashRng.Normal(seed, c0 + (ulong)j));
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Uniform_IsInUnitIntervalAndMixesNeighbouringCounters()
    {
        var u = Enumerable.Range(0, 100_000).Select(i => HashRng.Uniform(7, (ulong)i)).ToArray();
        Assert.That(u.All(x => x is >= 0f and < 1f));
        Assert.That(u.Average(), Is.EqualTo(0.5).Within(0.005), "5 standard errors");
        Assert.That(HashRng.Mix(1, 0), Is.Not.EqualTo(HashRng.Mix(2, 0)));
    }

    [Test]
    public void Font_HasWellFormedGlyphsForDigitsAndLetters()
    {
        foreach (char c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ abc.,-():>=[]#\"/")
        {
            Assert.That(GlyphFont.Supports(c), c.ToString());
            int ink = 0;
            for (int row = 0; row < GlyphFont.GlyphHeight; row++)
            {
                for (int col = 0; col < GlyphFont.GlyphWidth; col++)
                {
                    ink += GlyphFont.Ink(c, col, row) ? 1 : 0;
                }
            }

            Assert.That(ink, c == ' ' ? Is.EqualTo(0) : Is.GreaterThan(3), c.ToString());
        }

        // '1' vs '7' differ; '8' has 17 ink pixels in this font.
        Assert.That(Enumerable.Range(0, 35).Count(i => GlyphFont.Ink('8', i % 5, i / 5)), Is.EqualTo(17));
        Assert.That(GlyphFont.Supports('é'), Is.False);
    }

    [Test]
    public void Pointwise_AnyChainStaysInRangeAndCpuEqualsReference() =>
        Prop.ForAll(
            Gen.Choose(0, 300).ToArbitrary(), Gen.Choose(0, 300).ToArbitrary(), Gen.Choose(0, 30_000).ToArbitrary(),
            (b, c, sn) =>
            {
                int s = sn % 300, n = sn / 300;
                var shape = new ImageShape(3, 5, 19);
                var chain = new PointwiseChain(b / 100f, c / 100f, s / 100f, n / 200f);
                var x = PerturbImages.Random(shape, b + c);
                var y = (float[])x.Clone();
                PerturbKernels.For(Backend.Cpu).Pointwise(x, shape, [chain], [(ulong)n]);
                PerturbKernels.For(Backend.Reference).Pointwise(y, shape, [chain], [(ulong)n]);
                return x.SequenceEqual(y) && x.All(v => v is >= 0f and <= 1f);
            }).QuickCheckThrowOnFailure();
}
