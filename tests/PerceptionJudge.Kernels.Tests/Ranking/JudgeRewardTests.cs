using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>Batch-ranking and pair rewards on every backend, against tables built by brute force in the test (the
/// released answer format: JudgeRewardTests.Released.cs).</summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed partial class JudgeRewardTests(Backend backend)
{
    private readonly IRankingKernels _k = Backends.Bind(backend, RankingKernels.For);

    /// <summary>Every judge reward runs on Vulkan and ILGPU (parsing on the host, the pair counting on the device).
    /// </summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All(RankingVulkan.Ported), Ported.All(RankingIlgpu.Ported));

    /// <summary>All orderings of the first n letters, as strings best-first.</summary>
    internal static List<string> Permutations(int n)
    {
        var result = new List<string>();
        void Grow(string prefix, string rest)
        {
            if (rest.Length == 0)
            {
                result.Add(prefix);
            }

            for (int i = 0; i < rest.Length; i++)
            {
                Grow(prefix + rest[i], rest.Remove(i, 1));
            }
        }

        Grow(string.Empty, new string([.. Enumerable.Range(0, n).Select(i => (char)('A' + i))]));
        return result;
    }

    /// <summary>Hand-written brute force: pairs of letters that the two best-first orders place differently.</summary>
    internal static int DiscordantByHand(string truth, string predicted)
    {
        int d = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            for (int j = i + 1; j < truth.Length; j++)
            {
                // truth[i] is above truth[j]; discordant when the prediction puts it below.
                if (predicted.IndexOf(truth[i]) > predicted.IndexOf(truth[j]))
                {
                    d++;
                }
            }
        }

        return d;
    }

    /// <summary>How many formats <see cref="Format"/> writes.</summary>
    internal const int Styles = 6;

    /// <summary>The same predicted order written in one of the accepted formats: a letter order, scores (plain,
    /// labelled, space separated) in one block, or (style 5) the released form, one answer tag per response.</summary>
    internal static string Format(string order, int style)
    {
        int n = order.Length;
        string Score(char letter) => (n - order.IndexOf(letter)).ToString();
        var letters = order.Order().ToArray();
        if (style == 5)
        {
            return "<think>first <answer>ZZ</answer>, then " + string.Concat(
                letters.Select(l => $"Response {l}: <answer>{Score(l)}</answer>\n")) + "</think>";
        }

        string body = style switch
        {
            0 => order,
            1 => string.Join(" > ", order.ToCharArray()),
            2 => string.Join(", ", letters.Select(Score)),
            3 => string.Join(", ", order.Reverse().Select(l => $"{l}: {Score(l)}.5")),
            _ => string.Join(" ", letters.Select(Score)),
        };
        return $"<think>compare the responses, e.g. <answer>ZZ</answer> is a draft</think>\n<answer> {body} </answer>";
    }

    [Test]
    public void BatchRanking_AllThirtySixPairsForThreeResponsesMatchTheBruteForceTable()
    {
        var perms = Permutations(3);
        Assert.That(perms, Has.Count.EqualTo(6));
        int cases = 0;
        foreach (string truth in perms)
        {
            var histogram = new int[4];
            foreach (string predicted in perms)
            {
                int d = DiscordantByHand(truth, predicted);
                histogram[d]++;
                float expected = (float)(1.0 - d / 3.0);
                for (int style = 0; style < Styles; style++)
                {
                    Assert.That(_k.BatchRankingReward(Format(predicted, style), truth), Is.EqualTo(expected),
                        $"truth {truth}, predicted {predicted}, style {style}");
                }

                cases++;
            }

            // Mahonian numbers for n = 3: one ranking at each extreme, two at 2/3 and at 1/3.
            Assert.That(histogram, Is.EqualTo(new[] { 1, 2, 2, 1 }));
        }

        Assert.That(cases, Is.EqualTo(36));
    }

    [TestCase(2)]
    [TestCase(4)]
    [TestCase(5)]
    public void BatchRanking_AllPairsMatchBruteForce(int n)
    {
        var perms = Permutations(n);
        long pairs = n * (n - 1) / 2;
        int i = 0;
        foreach (string truth in perms)
        {
            foreach (string predicted in perms)
            {
                float expected = (float)(1.0 - (double)DiscordantByHand(truth, predicted) / pairs);
                Assert.That(_k.BatchRankingReward(Format(predicted, i++ % Styles), truth), Is.EqualTo(expected),
                    $"truth {truth}, predicted {predicted}");
            }
        }
    }

    /// <summary>All 8! predictions against three truths, each truth as one batch (the list form: one dispatch per
    /// batch on Vulkan rather than 40320).</summary>
    [Test]
    public void BatchRanking_EightResponsesAllPredictionsMatchBruteForce()
    {
        var perms = Permutations(8);
        string[] truths = ["ABCDEFGH", "HGFEDCBA", "CAHBGEDF"];
        int i = 0;
        foreach (string truth in truths)
        {
            var solutions = perms.Select(predicted => Format(predicted, i++ % Styles)).ToArray();
            var rewards = new float[solutions.Length];
            _k.BatchRankingReward(solutions, [.. Enumerable.Repeat(truth, solutions.Length)], rewards);
            for (int k = 0; k < perms.Count; k++)
            {
                float expected = (float)(1.0 - DiscordantByHand(truth, perms[k]) / 28.0);
                if (rewards[k] != expected)
                {
                    Assert.Fail($"truth {truth}, predicted {perms[k]}: got {rewards[k]}, expected {expected}");
                }
            }
        }

        Assert.That(i, Is.EqualTo(3 * 40320));
    }

    [Test]
    public void BatchRanking_PerfectIsOneAndReversedIsZeroForAnyCount() =>
        Prop.ForAll(Gen.Choose(2, 26).Zip(Gen.Choose(0, Styles - 1)).ToArbitrary(), t =>
        {
            (int n, int style) = t;
            var rng = TestRandom.Create(n * 7 + style);
            string truth = new([.. Enumerable.Range(0, n).Select(i => (char)('A' + i)).OrderBy(_ => rng.Next())]);
            string reversed = new([.. truth.Reverse()]);
            return _k.BatchRankingReward(Format(truth, style), truth) == 1f
                && _k.BatchRankingReward(Format(reversed, style), truth) == 0f;
        }).QuickCheckThrowOnFailure();

    [TestCase("<answer>3, 3, 1</answer>", TestName = "BatchRanking_ZeroForDuplicateScores")]
    [TestCase("<answer>3, 3.0, 1</answer>", TestName = "BatchRanking_ZeroForNumericallyEqualScores")]
    [TestCase("<answer>3, 5</answer>", TestName = "BatchRanking_ZeroForTooFewScores")]
    [TestCase("<answer>3, 5, 1, 2</answer>", TestName = "BatchRanking_ZeroForTooManyScores")]
    [TestCase("<answer>A: 3, A: 5, C: 1</answer>", TestName = "BatchRanking_ZeroForRepeatedLabel")]
    [TestCase("<answer>A: 3, 5, 1</answer>", TestName = "BatchRanking_ZeroForMixedLabelledAndPlain")]
    [TestCase("<answer>BAA</answer>", TestName = "BatchRanking_ZeroForRepeatedLetter")]
    [TestCase("<answer>B > D > A</answer>", TestName = "BatchRanking_ZeroForLetterOutOfRange")]
    [TestCase("<answer>bac</answer>", TestName = "BatchRanking_ZeroForLowerCaseLetters")]
    [TestCase("I think B is best. <answer>", TestName = "BatchRanking_ZeroForUnclosedAnswer")]
    [TestCase("", TestName = "BatchRanking_ZeroForEmptyOutput")]
    [TestCase("<answer>five, three, one</answer>", TestName = "BatchRanking_ZeroForWords")]
    public void BatchRanking_GarbageScoresZero(string solution) =>
        Assert.That(_k.BatchRankingReward(solution, "BAC"), Is.EqualTo(0f));

    [TestCase("AAB")]
    [TestCase("ABD")]
    [TestCase("A")]
    [TestCase("")]
    [TestCase("abd")]
    [TestCase("A1C")]
    public void BatchRanking_ThrowsForMalformedGroundTruth(string truth)
    {
        var ex = Assert.Throws<KernelInputException>(() => _k.BatchRankingReward("<answer>ABC</answer>", truth));
        Assert.That(ex!.Field, Is.EqualTo("ground_truth"));
    }

    [Test]
    public void BatchRanking_AcceptsSeparatedGroundTruth() =>
        Assert.That(_k.BatchRankingReward("<answer>B > C > A</answer>", " B > C > A "), Is.EqualTo(1f));

    [Test]
    public void BatchRankingList_MatchesScalarAcrossTheParallelThreshold()
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, (Partition.SerialThreshold + 1000L) * 26);
        var (solutions, truths) = Batch(Partition.SerialThreshold + 1000);
        var rewards = new float[solutions.Length];
        _k.BatchRankingReward(solutions, truths, rewards);
        var expected = new float[solutions.Length];
        for (int i = 0; i < solutions.Length; i++)
        {
            expected[i] = new RankingReference().BatchRankingReward(solutions[i], truths[i]);
        }

        Assert.That(rewards, Is.EqualTo(expected));
        Assert.That(rewards.Distinct().Count(), Is.GreaterThan(5), "the batch covers several reward values");
    }

    [Test]
    public void BatchRankingList_ThrowsForFirstBadGroundTruthRow()
    {
        var (solutions, truths) = Batch(Partition.SerialThreshold + 10);
        truths[70_000] = "AAB";
        truths[131_000] = "??";
        var ex = Assert.Throws<KernelInputException>(
            () => _k.BatchRankingReward(solutions, truths, new float[solutions.Length]));
        Assert.That(ex!.Field, Is.EqualTo("ground_truth"));
        Assert.That(ex.Row, Is.EqualTo(70_000));
    }

    [Test]
    public void BatchRankingList_ThrowsForMismatchedCounts() =>
        Assert.Throws<KernelInputException>(() => _k.BatchRankingReward(["ABC"], ["ABC", "ABC"], new float[1]));

    [TestCase(3, 5)]
    [TestCase(8, 3000)]
    [TestCase(70, 200)]
    [TestCase(5, 140_000)]
    public void PermutationRewards_MatchReference(int n, int rows)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, (long)n * rows);
        var rng = TestRandom.Create(n);
        var predicted = new int[rows * n];
        var truth = new int[rows * n];
        for (int i = 0; i < rows; i++)
        {
            RandomPermutation(rng, predicted.AsSpan(i * n, n));
            RandomPermutation(rng, truth.AsSpan(i * n, n));
        }

        var actual = new float[rows];
        var expected = new float[rows];
        _k.PermutationRewards(predicted, truth, n, actual);
        new RankingReference().PermutationRewards(predicted, truth, n, expected);
        Assert.That(actual, Is.EqualTo(expected));
        truth[(rows - 1) * n] = truth[(rows - 1) * n + 1];
        var ex = Assert.Throws<KernelInputException>(() => _k.PermutationRewards(predicted, truth, n, actual));
        Assert.That(ex!.Row, Is.EqualTo(rows - 1));
    }

    [Test]
    public void PermutationRewards_ThrowsForFewerThanTwoResponses()
    {
        var ex = Assert.Throws<KernelInputException>(() => _k.PermutationRewards([0], [0], 1, new float[1]));
        Assert.That(ex!.Field, Is.EqualTo("n"));
    }

    [TestCase("[[A]]", "A", 1f)]
    [TestCase("Both are fine but A is more precise. [[A]]", "A", 1f)]
    [TestCase("[[B]]", "A", 0f)]
    [TestCase("[[C]]", "C", 1f)]
    [TestCase("<answer>B</answer>", " B ", 1f)]
    [TestCase("[[A]] was my first thought, but [[B]]", "B", 0f)]
    [TestCase("[[B]] ... final: [[B]]", "B", 1f)]
    [TestCase("[[A]] <answer>[[B]]</answer>", "B", 1f)]
    [TestCase("no verdict here", "A", 0f)]
    [TestCase("", "C", 0f)]
    public void Pair_ScoresTheParsedVerdict(string solution, string truth, float expected) =>
        Assert.That(_k.PairReward(solution, truth), Is.EqualTo(expected));

    [TestCase("D")]
    [TestCase("AB")]
    [TestCase("")]
    [TestCase("tie")]
    public void Pair_ThrowsForMalformedGroundTruth(string truth)
    {
        var ex = Assert.Throws<KernelInputException>(() => _k.PairReward("[[A]]", truth));
        Assert.That(ex!.Field, Is.EqualTo("ground_truth"));
    }

    private static void RandomPermutation(Random rng, Span<int> p)
    {
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = i;
        }

        rng.Shuffle(p);
    }

    private static (string[] Solutions, string[] Truths) Batch(int rows)
    {
        var rng = TestRandom.Create(5);
        var perms = Permutations(5);
        var solutions = new string[rows];
        var truths = new string[rows];
        for (int i = 0; i < rows; i++)
        {
            truths[i] = perms[rng.Next(perms.Count)];
            solutions[i] = i % 11 == 0 ? "<answer>1, 1, 2, 3, 4</answer>" : Format(perms[rng.Next(perms.Count)], i % Styles);
        }

        return (solutions, truths);
    }
}
