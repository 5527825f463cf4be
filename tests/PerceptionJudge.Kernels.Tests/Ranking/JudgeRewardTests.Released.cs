using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>
/// The released Perception-Judge answer format (one <c>&lt;answer&gt;N&lt;/answer&gt;</c> per response) on every
/// backend: hand-computed cases, then properties against <see cref="ReleasedRule"/>.
/// </summary>
public sealed partial class JudgeRewardTests
{
    private const string Fw = "\uFF10"; // FULLWIDTH DIGIT ZERO; + d is digit d
    private static readonly string s_forty9 = new('9', 40);
    private static readonly string s_forty8 = new string('9', 39) + "8";

    // Ground truth BCA: B best, then C, then A. Scores (A, B, C) = (1, 3, 2) rank B > C > A: reward 1.
    [TestCase("<answer>1</answer><answer>3</answer><answer>2</answer>", 1f, TestName = "Released_AsciiScores")]
    [TestCase("<answer>\uFF11</answer><answer>\uFF13</answer><answer>\uFF12</answer>", 1f,
        TestName = "Released_FullWidthDigits")]
    [TestCase("<answer>\u0661</answer><answer>\u0663</answer><answer>\u0662</answer>", 1f,
        TestName = "Released_ArabicIndicDigits")]
    [TestCase("<answer>\U0001D7CF</answer><answer>\U0001D7D1</answer><answer>\U0001D7D0</answer>", 1f,
        TestName = "Released_SupplementaryPlaneDigits")]
    [TestCase("<answer>1\u0660</answer><answer>3\u0660</answer><answer>\uFF12\u0660</answer>", 1f,
        TestName = "Released_MixedScriptsInOneNumber")]
    [TestCase("<answer>007</answer><answer>10</answer><answer>0008</answer>", 1f,
        TestName = "Released_LeadingZerosCompareAsIntegersNotStrings")]
    [TestCase("<answer>2</answer><answer> 8 </answer><answer>5</answer><answer>3</answer>", 1f,
        TestName = "Released_SpacedTagIsNotCounted")]
    [TestCase("<Answer>9</Answer><answer>1</answer><answer>3</answer><ANSWER>0</ANSWER><answer>2</answer>", 1f,
        TestName = "Released_TagsAreCaseSensitive")]
    [TestCase("<answer>1</answer><answer>2.5</answer><answer>3</answer><answer>-4</answer><answer>2</answer>", 1f,
        TestName = "Released_DecimalAndSignedAreSkipped")]
    [TestCase("<answer></answer><answer>x</answer><answer>1</answer><answer>+5</answer><answer>3</answer>"
        + "<answer>2</answer>", 1f, TestName = "Released_EmptyAndWordAreSkipped")]
    [TestCase("<think>draft: <answer>B</answer></think> Response A is blurry <answer>4</answer>, B is sharp "
        + "<answer>9</answer>, C is fine <answer>6</answer>.", 1f, TestName = "Released_TextAndOtherTagsIgnored")]
    [TestCase("<answer><answer>1</answer><answer>3<answer>3</answer><answer>2</answer>", 1f,
        TestName = "Released_UnclosedTagsBeforeARealOne")]
    [TestCase("<answer>2</answer><answer>3</answer><answer>1</answer>", 2f / 3, TestName = "Released_TwoThirds")]
    [TestCase("<answer>3</answer><answer>2</answer><answer>1</answer>", 1f / 3, TestName = "Released_OneThird")]
    [TestCase("<answer>3</answer><answer>1</answer><answer>2</answer>", 0f, TestName = "Released_Reversed")]
    [TestCase("<answer>3</answer><answer>3</answer><answer>1</answer>", 0f, TestName = "Released_DuplicateIsZero")]
    [TestCase("<answer>03</answer><answer>\uFF13</answer><answer>1</answer>", 0f,
        TestName = "Released_EqualIntegersWrittenDifferentlyAreDuplicates")]
    [TestCase("<answer>3</answer><answer>1</answer>", 0f, TestName = "Released_TooFewIsZero")]
    [TestCase("<answer>1</answer><answer>3</answer><answer>2</answer><answer>0</answer>", 0f,
        TestName = "Released_TooManyIsZero")]
    [TestCase("<answer>1</answer> so the ranking is <answer>B > C > A</answer>", 0f,
        TestName = "Released_OneIntegerTagWinsOverTheSingleBlockForms")]
    [TestCase("<answer>1, 3, 2</answer>", 1f, TestName = "Released_NoIntegerTagFallsBackToSingleBlockForms")]
    public void BatchRanking_HandComputed(string output, float expected)
    {
        Assert.That(_k.BatchRankingReward(output, "BCA"), Is.EqualTo(expected));
        Assert.That(ReleasedRule.BatchRanking(output, "BCA"), Is.EqualTo(
            ReleasedRule.Scores(output).Count > 0 ? expected : 0f), "the independent rule agrees");
    }

    /// <summary>(A, B, C) = (12, 40 nines, 39 nines then 8): through double, B and C are equal and the reward 0.
    /// </summary>
    [Test]
    public void BatchRanking_FortyDigitScoresCompareExactly()
    {
        string output = $"<answer>12</answer><answer>{s_forty9}</answer><answer>{s_forty8}</answer>";
        Assert.That(double.Parse(s_forty9), Is.EqualTo(double.Parse(s_forty8)), "the trap is real");
        Assert.That(_k.BatchRankingReward(output, "BCA"), Is.EqualTo(1f));
        Assert.That(_k.BatchRankingReward(output, "CBA"), Is.EqualTo(2f / 3));
    }

    [TestCase("bca")]
    [TestCase("bCa")]
    [TestCase(" b > c > a ")]
    public void BatchRanking_GroundTruthInEitherCase(string truth) =>
        Assert.That(_k.BatchRankingReward("<answer>1</answer><answer>3</answer><answer>2</answer>", truth),
            Is.EqualTo(1f));

    [TestCase("<answer>7</answer><answer>3</answer>", "A", 1f)]
    [TestCase("<answer>3</answer><answer>7</answer>", "B", 1f)]
    [TestCase("<answer>5</answer><answer>05</answer>", "C", 1f)]
    [TestCase("<answer>\uFF15</answer> vs <answer>4</answer>", "a", 1f)]
    [TestCase("<answer>3</answer><answer>7</answer>", "A", 0f)]
    [TestCase("<answer>7</answer><answer>3</answer><answer>1</answer>", "A", 0f)]
    [TestCase("<answer>7</answer> so [[A]]", "A", 0f)]
    [TestCase("<answer> 7 </answer><answer>3</answer> [[B]]", "B", 0f)]
    [TestCase("<answer>7.5</answer><answer>[[B]]</answer>", "b", 1f)]
    public void Pair_HandComputed(string output, string truth, float expected) =>
        Assert.That(_k.PairReward(output, truth), Is.EqualTo(expected));

    [Test]
    public void Pair_FortyDigitScoresCompareExactly()
    {
        Assert.That(_k.PairReward($"<answer>{s_forty9}</answer><answer>{s_forty8}</answer>", "A"), Is.EqualTo(1f));
        Assert.That(_k.PairReward($"<answer>{s_forty8}</answer><answer>0{s_forty8}</answer>", "C"), Is.EqualTo(1f));
    }

    /// <summary>Generated outputs with at least one integer tag score exactly what the independent rule gives; the
    /// generator reaches every reward value, wrong counts and ties.</summary>
    [Test]
    public void BatchRanking_MatchesTheReleasedRule()
    {
        var seen = new HashSet<float>();
        int released = 0;
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var (output, truth) = ReleasedCase(new Random(seed), pair: false);
            if (ReleasedRule.Scores(output).Count == 0)
            {
                return true;
            }

            float expected = ReleasedRule.BatchRanking(output, truth);
            seen.Add(expected);
            released++;
            return _k.BatchRankingReward(output, truth) == expected;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));
        Assert.That(released, Is.GreaterThan(300));
        Assert.That(seen, Has.Member(0f).And.Member(1f).And.Count.GreaterThan(4), "covers zeros, ones and fractions");
    }

    [Test]
    public void Pair_MatchesTheReleasedRule()
    {
        var seen = new HashSet<Verdict>();
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var (output, truth) = ReleasedCase(new Random(seed), pair: true);
            if (ReleasedRule.Scores(output).Count == 0)
            {
                return true;
            }

            var verdict = ReleasedRule.Pair(output);
            seen.Add(verdict);
            float expected = verdict.ToString().Equals(truth, StringComparison.OrdinalIgnoreCase) ? 1f : 0f;
            return _k.PairReward(output, truth) == expected;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));
        Assert.That(seen, Is.SupersetOf(new[] { Verdict.A, Verdict.B, Verdict.C, Verdict.None }));
    }

    /// <summary>
    /// One output in the released format: n = 2..6 scores (small, so ties happen, or 30-45 digits), each digit in a
    /// random script with random leading zeros, sometimes one tag too few or too many, with look-alike noise
    /// between the tags; the ground truth is a random order in random case.
    /// </summary>
    private static (string Output, string Truth) ReleasedCase(Random rng, bool pair)
    {
        int n = pair ? 2 : rng.Next(2, 7);
        var letters = Enumerable.Range(0, n).Select(i => (char)((rng.Next(2) == 0 ? 'A' : 'a') + i)).ToArray();
        rng.Shuffle(letters);
        string truth = pair ? (rng.Next(2) == 0 ? "ABC" : "abc")[rng.Next(3)].ToString() : new string(letters);
        int tags = rng.Next(8) switch
        {
            0 => n - 1,
            1 => n + 1,
            _ => n,
        };
        var output = new System.Text.StringBuilder();
        for (int t = 0; t < tags; t++)
        {
            output.Append(Noise(rng)).Append("<answer>").Append(Render(rng, Score(rng))).Append("</answer>");
        }

        return (output.Append(Noise(rng)).ToString(), truth);
    }

    private static BigInteger Score(Random rng)
    {
        if (rng.Next(4) > 0)
        {
            return rng.Next(12);
        }

        var digits = Enumerable.Range(0, rng.Next(30, 46)).Select(_ => (char)('0' + rng.Next(10))).ToArray();
        return BigInteger.Parse(new string(digits), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The value with 0-2 leading zeros, each digit in ASCII, full-width, Arabic-Indic, Devanagari or
    /// mathematical bold (a surrogate pair).</summary>
    private static string Render(Random rng, BigInteger value)
    {
        string ascii = new string('0', rng.Next(3)) + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Concat(ascii.Select(c => (c - '0', rng.Next(5)) switch
        {
            (int d, 0) => ((char)('0' + d)).ToString(),
            (int d, 1) => ((char)(Fw[0] + d)).ToString(),
            (int d, 2) => ((char)('\u0660' + d)).ToString(),
            (int d, 3) => ((char)('\u0966' + d)).ToString(),
            (int d, _) => char.ConvertFromUtf32(0x1D7CE + d),
        }));
    }

    private static readonly string[] s_noise =
    [
        "", "", "", " Response B is sharper. ", "<answer> 8 </answer>", "<Answer>4</Answer>", "<answer>2.5</answer>",
        "<answer>-3</answer>", "<answer>+3</answer>", "<answer></answer>", "<answer>B > A</answer>", "<answer>",
        "</answer>", "\u0663", "\n", "<think>", "</think>", "[[A]]", "<answer>1 2</answer>", "<answer>\u0663",
    ];

    private static string Noise(Random rng) => s_noise[rng.Next(s_noise.Length)] + s_noise[rng.Next(s_noise.Length)];
}
