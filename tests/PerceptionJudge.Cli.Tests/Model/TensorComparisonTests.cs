using PerceptionJudge.Cli.Model;

namespace PerceptionJudge.Cli.Tests.Model;

/// <summary><see cref="TensorComparison"/> on hand-computed cases (numpy.isclose semantics, B the reference).</summary>
[TestFixture]
public sealed class TensorComparisonTests
{
    [Test]
    public void Compare_ReportsMaxAbsMaxRelativeAndTheFirstElementOverTolerance()
    {
        // |a-b| = [0.5, 0.25, 3, 0]; |a-b| / |b| = [0.25, 0.0625, 1.5, 0]; bound atol + rtol|b| = 0.1 + 0.1|b|
        // = [0.3, 0.5, 0.3, 0.1]: elements 0 and 2 are over.
        double[] a = [2.5, 4.25, -1, 7];
        double[] b = [2, 4, 2, 7];
        var d = TensorComparison.Compare(a, b, rtol: 0.1, atol: 0.1);
        Assert.That(d, Is.EqualTo(new TensorDifference(4, 3, 1.5, 2, 0, "2.5", "2")));
        Assert.That(d.Within, Is.False);
    }

    [Test]
    public void Compare_DividesByTinyWhenTheReferenceIsZero()
    {
        var d = TensorComparison.Compare([1e-300], [0.0], rtol: 0, atol: 1);
        Assert.That(d.Within, Is.True);
        Assert.That(d.MaxRelative, Is.EqualTo(1e-300 / 2.2250738585072014e-308).Within(1).Ulps);
        Assert.That(d.MaxRelative, Is.EqualTo(44942328.371557).Within(1e-6));
    }

    [Test]
    public void Compare_SpecialValues_FollowEqualNan()
    {
        double inf = double.PositiveInfinity;
        Assert.Multiple(() =>
        {
            Assert.That(TensorComparison.Compare([double.NaN, inf, -0.0], [double.NaN, inf, 0.0], 0, 0),
                Is.EqualTo(new TensorDifference(3, 0, 0, 0, -1, "", "")));
            Assert.That(TensorComparison.Compare([0, -inf], [0, inf], 1, 1),
                Is.EqualTo(new TensorDifference(2, inf, inf, 1, 1, "-inf", "inf")));
            Assert.That(TensorComparison.Compare([1e308], [inf], 1, 1).OverCount, Is.EqualTo(1));
            var nan = TensorComparison.Compare([3, 1], [double.NaN, 1], 1, 1);
            Assert.That(double.IsNaN(nan.MaxAbs) && double.IsNaN(nan.MaxRelative), Is.True);
            Assert.That((nan.OverCount, nan.FirstOver, nan.FirstA, nan.FirstB), Is.EqualTo((1L, 0L, "3", "nan")));
        });
    }

    [Test]
    public void CompareExact_CountsEveryDifferenceWithoutOverflow()
    {
        var d = TensorComparison.CompareExact([5, long.MaxValue, 0, -3], [5, long.MinValue, 0, 1]);
        Assert.That(d.OverCount, Is.EqualTo(2));
        Assert.That(d.FirstOver, Is.EqualTo(1));
        Assert.That(d.MaxAbs, Is.EqualTo(18446744073709551615.0));
        Assert.That(d.MaxRelative, Is.EqualTo(4.0)); // |-3 - 1| / |1|
        Assert.That((d.FirstA, d.FirstB), Is.EqualTo(("9223372036854775807", "-9223372036854775808")));
    }

    [Test]
    public void Format_PrintsFloat32SourcesAsTheirShortestFloat32Text()
    {
        double widened = 5.001f;
        Assert.Multiple(() =>
        {
            Assert.That(TensorComparison.Format(widened), Is.EqualTo("5.000999927520752"));
            Assert.That(TensorComparison.Format(widened, single: true), Is.EqualTo("5.001"));
            Assert.That(TensorComparison.Compare([widened], [5.0], 0, 0, single: true).FirstA, Is.EqualTo("5.001"));
            Assert.That(TensorComparison.Format(double.NegativeInfinity, single: true), Is.EqualTo("-inf"));
        });
    }

    [Test]
    public void Unravel_IsRowMajor()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TensorComparison.Unravel(23, [2, 3, 4]), Is.EqualTo(new long[] { 1, 2, 3 }));
            Assert.That(TensorComparison.Unravel(13, [2, 3, 4]), Is.EqualTo(new long[] { 1, 0, 1 }));
            Assert.That(TensorComparison.Unravel(0, []), Is.Empty);
        });
    }
}
