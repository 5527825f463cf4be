using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Bench.Tracking;

namespace PerceptionJudge.Cli.Tests.Bench;

[TestFixture]
public class MannWhitneyTests
{
    [Test]
    public void Exact_ThreeAgainstThree_Separated()
    {
        // All 20 arrangements equally likely; U = 0 happens once: two-sided p = 2/20.
        var (u, p) = MannWhitney.Test([1, 2, 3], [4, 5, 6]);
        Assert.That(u, Is.EqualTo(0));
        Assert.That(p, Is.EqualTo(0.1).Within(1e-12));
    }

    [Test]
    public void Exact_ThreeAgainstThree_Interleaved()
    {
        // x ranks 1, 3, 5: R = 9, U = 3. Null counts of U = 0..9 for m = n = 3: 1 1 2 3 3 3 3 2 1 1,
        // so P(U <= 3) = 7/20 and the two-sided p is 0.7.
        var (u, p) = MannWhitney.Test([1, 3, 5], [2, 4, 6]);
        Assert.That(u, Is.EqualTo(3));
        Assert.That(p, Is.EqualTo(0.7).Within(1e-12));
    }

    [Test]
    public void Exact_FiveAgainstFive_Separated()
    {
        var (u, p) = MannWhitney.Test([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
        Assert.That(u, Is.EqualTo(0));
        Assert.That(p, Is.EqualTo(2.0 / 252).Within(1e-12)); // C(10, 5) = 252
    }

    [Test]
    public void Normal_WithTies_HandComputed()
    {
        // Pooled 1x 2x 2y 3x 3y 4x 5y 6y: ranks 1, 2.5, 2.5, 4.5, 4.5, 6, 7, 8; R_x = 14, U = 14 − 10 = 4.
        // Ties: two pairs, Σ(t³ − t) = 12. σ² = 16/12 · (9 − 12/56) = 11.7142857.
        // z = (|4 − 8| − 0.5)/σ = 1.022610, p = 2(1 − Φ(z)) = 0.306492.
        var (u, p) = MannWhitney.Test([1, 2, 3, 4], [2, 3, 5, 6]);
        Assert.That(u, Is.EqualTo(4));
        Assert.That(p, Is.EqualTo(0.306492).Within(1e-5));
    }

    [Test]
    public void NormalCdf_KnownValues()
    {
        Assert.That(MannWhitney.NormalCdf(0), Is.EqualTo(0.5).Within(1e-7));
        Assert.That(MannWhitney.NormalCdf(1.959964), Is.EqualTo(0.975).Within(1e-6));
        Assert.That(MannWhitney.NormalCdf(-1), Is.EqualTo(0.158655).Within(1e-6));
    }

    [Test]
    public void AllTied_IsNoEvidence()
    {
        var (_, p) = MannWhitney.Test([2, 2, 2], [2, 2, 2, 2]);
        Assert.That(p, Is.EqualTo(1));
    }

    [Test]
    public void Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => MannWhitney.Test([], [1.0]));

    [Test]
    public void Normal_ThirtyAgainstThirty_Separated()
    {
        // Normal path (n > 20): U = 0, σ² = 30·30·61/12 = 4575, z = (450 − 0.5)/√4575 = 6.6457, p ≈ 3.0e-11.
        var x = Enumerable.Range(0, 30).Select(i => (double)i).ToArray();
        var y = Enumerable.Range(100, 30).Select(i => (double)i).ToArray();
        var (u, p) = MannWhitney.Test(x, y);
        Assert.That(u, Is.EqualTo(0));
        Assert.That(p, Is.GreaterThan(1e-11).And.LessThan(1e-10));
    }

    [Test]
    public void Property_USumsToProduct_AndPIsSymmetric()
    {
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            var x = Enumerable.Range(0, rng.Next(1, 25)).Select(_ => (double)rng.Next(30)).ToArray();
            var y = Enumerable.Range(0, rng.Next(1, 25)).Select(_ => (double)rng.Next(30)).ToArray();
            var (ux, px) = MannWhitney.Test(x, y);
            var (uy, py) = MannWhitney.Test(y, x);
            return System.Math.Abs(ux + uy - x.Length * y.Length) < 1e-9
                   && System.Math.Abs(px - py) < 1e-12 && px > 0 && px <= 1;
        }).QuickCheckThrowOnFailure();
    }
}
