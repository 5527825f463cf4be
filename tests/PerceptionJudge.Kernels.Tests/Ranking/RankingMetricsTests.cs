using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>Kendall τ, Spearman ρ, Levenshtein, NDCG and inversion counts on every backend.</summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class RankingMetricsTests(Backend backend)
{
    private const double Tol = 1e-12;
    private static readonly RankingReference s_reference = new();

    /// <summary>NDCG sums its discounted gains in float32 on Vulkan: 1e-5 relative there, else <see cref="Tol"/>.
    /// </summary>
    private readonly double _ndcgRelative = backend == Backend.Vulkan ? 1e-5 : 0;
    private readonly IRankingKernels _k = Backends.Bind(backend, RankingKernels.For);

    /// <summary>Every metric runs on Vulkan and ILGPU; their instances skip, with the reason, when no device opened.
    /// </summary>
    [SetUp]
    public void SkipWithoutVulkanDevice() =>
        Backends.SkipUnlessRuns(backend, Ported.All(RankingVulkan.Ported), Ported.All(RankingIlgpu.Ported));

    [Test]
    public void KendallTau_HandValues()
    {
        // (1,2) and (1,3) concordant, (2,3) discordant: (2 − 1) / 3.
        Assert.That(_k.KendallTau([1, 2, 3], [1, 3, 2]), Is.EqualTo(1.0 / 3).Within(Tol));
        // x ties on the first pair: n0 = 3, n1 = 1, n2 = 0, C = 2: 2 / sqrt(2 · 3).
        Assert.That(_k.KendallTau([1, 1, 2], [1, 2, 3]), Is.EqualTo(2 / Math.Sqrt(6)).Within(Tol));
        Assert.That(double.IsNaN(_k.KendallTau([4, 4, 4], [1, 2, 3])), "constant input has no τ");
        Assert.That(double.IsNaN(_k.KendallTau([1], [2])), "one element has no pairs");
    }

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(17)]
    [TestCase(64)]
    [TestCase(65)]
    [TestCase(100)]
    [TestCase(200)]
    public void KendallTau_MatchesReferenceOnPermutationsAndTies(int n)
    {
        var rng = TestRandom.Create(n);
        for (int trial = 0; trial < 20; trial++)
        {
            double[] x = Permutation(rng, n, offset: trial % 2);
            double[] y = Permutation(rng, n, offset: 0);
            Assert.That(_k.KendallTau(x, y), Is.EqualTo(s_reference.KendallTau(x, y)).Within(Tol), "permutations");
            double[] tx = [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(5))];
            double[] ty = [.. Enumerable.Range(0, n).Select(_ => rng.Next(3) * 0.5)];
            Assert.That(_k.KendallTau(tx, ty), Is.EqualTo(s_reference.KendallTau(tx, ty)).Within(Tol), "ties");
            double[] nx = TestRandom.Normal(rng, n).Select(v => (double)v).ToArray();
            Assert.That(_k.KendallTau(nx, ty), Is.EqualTo(s_reference.KendallTau(nx, ty)).Within(Tol), "reals");
        }
    }

    [Test]
    public void KendallTau_IsOneWithItselfAndMinusOneReversed() =>
        Prop.ForAll(Gen.Choose(2, 200).ToArbitrary(), n =>
        {
            var rng = TestRandom.Create(n);
            double[] x = TestRandom.Normal(rng, n).Select(v => (double)v).Distinct().ToArray();
            double[] reversed = [.. x.Select(v => -v)];
            return x.Length < 2
                || (Math.Abs(_k.KendallTau(x, x) - 1) < Tol && Math.Abs(_k.KendallTau(x, reversed) + 1) < Tol);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void KendallTau_ThrowsForMismatchedLengthAndNaN()
    {
        Assert.Throws<KernelInputException>(() => _k.KendallTau([1, 2], [1, 2, 3]));
        var ex = Assert.Throws<KernelInputException>(() => _k.KendallTau([1, double.NaN], [1, 2]));
        Assert.That(ex!.Field, Is.EqualTo("x"));
    }

    [Test]
    public void Spearman_HandValues()
    {
        // y ranks [1, 2, 3.5, 5, 3.5]; centred x ranks [-2,-1,0,1,2], y [-2,-1,.5,2,.5]: 8 / sqrt(10 · 9.5).
        Assert.That(_k.Spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), Is.EqualTo(8 / Math.Sqrt(95)).Within(Tol));
        Assert.That(_k.Spearman([1, 2, 3], [30, 20, 10]), Is.EqualTo(-1).Within(Tol));
        Assert.That(_k.Spearman([0.1, 0.5, 0.2], [1, 9, 4]), Is.EqualTo(1).Within(Tol));
        Assert.That(double.IsNaN(_k.Spearman([1, 2, 3], [7, 7, 7])), "constant input has no ρ");
    }

    [TestCase(5)]
    [TestCase(130)]
    public void Spearman_MatchesReferenceWithTies(int n)
    {
        var rng = TestRandom.Create(n);
        double[] x = [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(7))];
        double[] y = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble())];
        Assert.That(_k.Spearman(x, y), Is.EqualTo(s_reference.Spearman(x, y)).Within(Tol));
    }

    [TestCase("kitten", "sitting", 3)]
    [TestCase("flaw", "lawn", 2)]
    [TestCase("", "abc", 3)]
    [TestCase("abc", "", 3)]
    [TestCase("", "", 0)]
    [TestCase("same", "same", 0)]
    [TestCase("café", "cafe", 1)]
    [TestCase("жук", "жуки", 1)]
    public void Levenshtein_HandValues(string a, string b, int expected) =>
        Assert.That(_k.Levenshtein(a, b), Is.EqualTo(expected));

    [Test]
    public void Levenshtein_LongHandValuesAcrossWordBoundaries()
    {
        Assert.That(_k.Levenshtein(new string('a', 100), new string('b', 100)), Is.EqualTo(100));
        Assert.That(_k.Levenshtein(new string('a', 130), "x" + new string('a', 129)), Is.EqualTo(1));
        Assert.That(_k.Levenshtein(new string('a', 64) + "b", new string('a', 65)), Is.EqualTo(1));
        string ab = string.Concat(Enumerable.Repeat("ab", 100));
        string ba = string.Concat(Enumerable.Repeat("ba", 100));
        Assert.That(_k.Levenshtein(ab, ba), Is.EqualTo(2), "delete the first char, append one");
    }

    [Test]
    public void Levenshtein_MatchesDynamicProgrammingOnRandomStrings()
    {
        var rng = TestRandom.Create(300);
        for (int trial = 0; trial < 400; trial++)
        {
            string a = RandomString(rng, rng.Next(301));
            string b = trial % 3 == 0 ? Mutate(rng, a) : RandomString(rng, rng.Next(301));
            int expected = s_reference.Levenshtein(a, b);
            Assert.That(_k.Levenshtein(a, b), Is.EqualTo(expected), $"|a| = {a.Length}, |b| = {b.Length}");
        }
    }

    [Test]
    public void Levenshtein_IsAMetricAndNormalisedIntoUnitInterval()
    {
        var rng = TestRandom.Create(301);
        var strings = Gen.Choose(0, 150).Select(len => RandomString(rng, len));
        Prop.ForAll(Gen.Three(strings).ToArbitrary(), t =>
        {
            (string a, string b, string c) = t;
            int ab = _k.Levenshtein(a, b), bc = _k.Levenshtein(b, c), ac = _k.Levenshtein(a, c);
            double normalised = ab / (double)Math.Max(1, Math.Max(a.Length, b.Length));
            return ab == _k.Levenshtein(b, a) && ac <= ab + bc && normalised is >= 0 and <= 1
                && (ab == 0) == (a == b);
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void NormalizedLevenshtein_HandValues()
    {
        // The façade runs on KernelBackend.Current (the process-wide choice); the interface is tested above.
        Assert.That(RankingMetrics.NormalizedLevenshtein("kitten", "sitting"), Is.EqualTo(3.0 / 7).Within(Tol));
        Assert.That(RankingMetrics.NormalizedLevenshtein("", ""), Is.EqualTo(0));
        Assert.That(RankingMetrics.NormalizedLevenshtein("abc", "xyz"), Is.EqualTo(1));
        Assert.That(RankingMetrics.Levenshtein("abc", "abd"), Is.EqualTo(1));
    }

    [Test]
    public void Ndcg_HandValuesFromSklearnDocs()
    {
        // sklearn ndcg_score([[10, 0, 0, 1, 5]], [[.1, .2, .3, 4, 70]]): predicted order gives rel [5, 1, 0, 0, 10];
        // ideal [10, 5, 1, 0, 0].
        double dcg = 5 + 1 / Math.Log2(3) + 10 / Math.Log2(6);
        double idcg = 10 + 5 / Math.Log2(3) + 1 / Math.Log2(4);
        Assert.That(_k.Ndcg([5, 1, 0, 0, 10], int.MaxValue), Is.EqualTo(dcg / idcg).Within(NdcgTol(dcg / idcg)));
        Assert.That(dcg / idcg, Is.EqualTo(0.6957).Within(1e-4), "the 0.69... of the sklearn docs");
        // scores [[.05, 1.1, 1., .5, .0]]: rel [0, 0, 1, 10, 5]; k = 4 gives sklearn's 0.35...
        double dcg4 = 1 / Math.Log2(4) + 10 / Math.Log2(5);
        Assert.That(_k.Ndcg([0, 0, 1, 10, 5], 4), Is.EqualTo(dcg4 / idcg).Within(NdcgTol(dcg4 / idcg)));
        Assert.That(dcg4 / idcg, Is.EqualTo(0.3520).Within(1e-4));
        Assert.That(_k.Ndcg([0, 0, 0], 2), Is.EqualTo(0), "no relevant item: 0, as sklearn");
    }

    [Test]
    public void Ndcg_IsOneForTheIdealOrderAndMatchesReference()
    {
        var rng = TestRandom.Create(1500);
        foreach (int n in new[] { 1, 3, 17, 1500 })
        {
            double[] rel = [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(4))];
            rel[0] = 2;
            double[] ideal = [.. rel.OrderDescending()];
            foreach (int k in new[] { 1, 5, int.MaxValue })
            {
                Assert.That(_k.Ndcg(ideal, k), Is.EqualTo(1).Within(Tol), $"n {n} k {k}");
                double expected = s_reference.Ndcg(rel, k);
                Assert.That(_k.Ndcg(rel, k), Is.EqualTo(expected).Within(NdcgTol(expected)), $"n {n} k {k}");
            }
        }
    }

    [Test]
    public void Ndcg_ThrowsForNegativeRelevanceOrBadK()
    {
        var ex = Assert.Throws<KernelInputException>(() => _k.Ndcg([1, -1], 2));
        Assert.That(ex!.Field, Is.EqualTo("relevance"));
        Assert.Throws<KernelInputException>(() => _k.Ndcg([1, 2], 0));
    }

    [TestCase(new[] { 0, 1, 2, 3 }, 0)]
    [TestCase(new[] { 3, 2, 1, 0 }, 6)]
    [TestCase(new[] { 1, 0, 3, 2 }, 2)]
    [TestCase(new[] { 2, 0, 1 }, 2)]
    [TestCase(new int[0], 0)]
    public void DiscordantPairs_HandValues(int[] permutation, long expected) =>
        Assert.That(_k.DiscordantPairs(permutation), Is.EqualTo(expected));

    [TestCase(10)]
    [TestCase(64)]
    [TestCase(65)]
    [TestCase(1000)]
    public void DiscordantPairs_MatchesReferenceAndReversedIsAllPairs(int n)
    {
        var rng = TestRandom.Create(n);
        var p = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(p);
        Assert.That(_k.DiscordantPairs(p), Is.EqualTo(s_reference.DiscordantPairs(p)));
        Assert.That(_k.DiscordantPairs([.. Enumerable.Range(0, n).Reverse()]), Is.EqualTo((long)n * (n - 1) / 2));
    }

    [Test]
    public void DiscordantPairs_ThrowsForNonPermutation()
    {
        var ex = Assert.Throws<KernelInputException>(() => _k.DiscordantPairs([0, 2, 2]));
        Assert.That(ex!.Field, Is.EqualTo("permutation"));
    }

    private static double[] Permutation(Random rng, int n, int offset)
    {
        double[] p = [.. Enumerable.Range(offset, n).Select(i => (double)i)];
        rng.Shuffle(p);
        return p;
    }

    private static string RandomString(Random rng, int length)
    {
        const string alphabet = "abcdeé ж";
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = alphabet[rng.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private static string Mutate(Random rng, string s)
    {
        var chars = s.ToList();
        for (int edits = rng.Next(6); edits > 0; edits--)
        {
            int at = rng.Next(chars.Count + 1);
            if (rng.Next(2) == 0 || chars.Count == 0)
            {
                chars.Insert(at, 'x');
            }
            else
            {
                chars.RemoveAt(Math.Min(at, chars.Count - 1));
            }
        }

        return new string([.. chars]);
    }

    private double NdcgTol(double expected) => Math.Max(Tol, _ndcgRelative * Math.Abs(expected));
}
