using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>Parsing of judge generations (backend independent): last answer block wins, garbage never throws.</summary>
[TestFixture]
public sealed class JudgeOutputTests
{
    [TestCase("<answer>7</answer>", 7.0)]
    [TestCase("<answer>3</answer> on reflection <answer>7.5</answer>", 7.5)]
    [TestCase("<answer>\n  4 \n</answer>", 4.0)]
    [TestCase("<answer>-2</answer>", -2.0)]
    [TestCase("<answer>.5</answer>", 0.5)]
    [TestCase("<answer>2</answer> then <answer>9", 2.0)]
    [TestCase("  5  ", 5.0)]
    public void TryParseScore_ReadsTheLastAnswerBlock(string text, double expected)
    {
        Assert.That(JudgeOutput.TryParseScore(text, out double score), Is.True);
        Assert.That(score, Is.EqualTo(expected));
    }

    [TestCase("<answer>four</answer>")]
    [TestCase("<answer></answer>")]
    [TestCase("<answer>3")]
    [TestCase("<answer>1e5</answer>")]
    [TestCase("<answer>3 4</answer>")]
    [TestCase("<answer>1,000</answer>")]
    [TestCase("<answer>-</answer>")]
    [TestCase("<answer>.</answer>")]
    [TestCase("The score is 5")]
    [TestCase("")]
    public void TryParseScore_GarbageIsNoParse(string text) =>
        Assert.That(JudgeOutput.TryParseScore(text, out _), Is.False);

    [TestCase("[[A]]", Verdict.A)]
    [TestCase("reasoning ... [[B]]", Verdict.B)]
    [TestCase("[[C]]", Verdict.C)]
    [TestCase("[[A]] and, again, [[A]]", Verdict.A)]
    [TestCase("[[A]] is worse than [[B]]", Verdict.Conflicting)]
    [TestCase("<answer>[[B]]</answer>", Verdict.B)]
    [TestCase("<answer> C </answer>", Verdict.C)]
    [TestCase("[[A]] <answer>[[B]]</answer>", Verdict.B)]
    [TestCase("The answer is A", Verdict.None)]
    [TestCase("[[D]]", Verdict.None)]
    [TestCase("[[a]]", Verdict.None)]
    [TestCase("[[A]", Verdict.None)]
    [TestCase("", Verdict.None)]
    public void ParseVerdict_Cases(string text, Verdict expected) =>
        Assert.That(JudgeOutput.ParseVerdict(text), Is.EqualTo(expected));

    [TestCase("<answer>3, 5, 1</answer>")]
    [TestCase("<answer>3 5 1</answer>")]
    [TestCase("<answer>[3, 5, 1]</answer>")]
    [TestCase("<answer>3;5;1</answer>")]
    [TestCase("<answer>3.5,\n5.25,\n-1</answer>")]
    [TestCase("<answer>A: 3, B: 5, C: 1</answer>")]
    [TestCase("<answer>C=1; A=3; B=5</answer>")]
    [TestCase("<answer>BAC</answer>")]
    [TestCase("<answer>B > A > C</answer>")]
    [TestCase("<answer>B, A, C</answer>")]
    [TestCase("<answer>[[B]] > [[A]] > [[C]]</answer>")]
    [TestCase("<answer>CAB</answer><answer>BAC</answer>")]
    [TestCase("BAC")]
    public void TryParseRanking_AcceptedFormsGiveTheSamePlaces(string text)
    {
        var position = new int[3];
        Assert.That(JudgeOutput.TryParseRanking(text, 3, position), Is.True);
        Assert.That(position, Is.EqualTo(new[] { 1, 0, 2 }), "B first, then A, then C");
    }

    [TestCase("<answer>3, 3, 1</answer>")]
    [TestCase("<answer>3, 5</answer>")]
    [TestCase("<answer>3, 5, 1, 0</answer>")]
    [TestCase("<answer>A: 3, B: 5</answer>")]
    [TestCase("<answer>A: 3, B: 5, D: 1</answer>")]
    [TestCase("<answer>A 3, B 5, C 1</answer>")]
    [TestCase("<answer>Scores: 3, 5, 1</answer>")]
    [TestCase("<answer>3, 5, 1 points</answer>")]
    [TestCase("<answer>BA</answer>")]
    [TestCase("<answer>BACD</answer>")]
    [TestCase("<answer>B >> A ? C</answer>")]
    [TestCase("<answer></answer>")]
    [TestCase("")]
    public void TryParseRanking_GarbageIsNoParse(string text) =>
        Assert.That(JudgeOutput.TryParseRanking(text, 3, new int[3]), Is.False);

    [TestCase("7", "7", 0)]
    [TestCase("007", "7", 0)]
    [TestCase("0", "000", 0)]
    [TestCase("10", "9", 1)]
    [TestCase("0010", "9", 1)]
    [TestCase("\uFF19", "10", -1)]
    [TestCase("\u0661\u0660", "10", 0)]
    [TestCase("\U0001D7D7", "8", 1)]
    [TestCase("123456789012345678901234567890123456789", "123456789012345678901234567890123456788", 1)]
    public void AnswerTags_CompareIntegers(string a, string b, int sign)
    {
        Assert.That(Math.Sign(AnswerTags.CompareIntegers(a, b)), Is.EqualTo(sign));
        Assert.That(Math.Sign(AnswerTags.CompareIntegers(b, a)), Is.EqualTo(-sign));
    }

    [Test]
    public void AnswerTags_FindStopsAtTheRoomGiven()
    {
        const string text = "<answer>1</answer> <answer> 2 </answer><answer>\u0663</answer><answer>4</answer>";
        var tags = new Range[2];
        Assert.That(AnswerTags.Find(text, tags), Is.EqualTo(2));
        Assert.That(new[] { text[tags[0]], text[tags[1]] }, Is.EqualTo(new[] { "1", "\u0663" }));
        Assert.That(AnswerTags.Find(text, new Range[5]), Is.EqualTo(3));
    }

    [Test]
    public void ParseLetterPermutation_CountsLettersAndRejectsGaps()
    {
        var position = new int[26];
        Assert.That(JudgeOutput.ParseLetterPermutation("D > B > A > C", position), Is.EqualTo(4));
        Assert.That(position[..4], Is.EqualTo(new[] { 2, 1, 3, 0 }));
        Assert.That(JudgeOutput.ParseLetterPermutation("ABD", position), Is.EqualTo(-1));
        Assert.That(JudgeOutput.ParseLetterPermutation("", position), Is.EqualTo(-1));
    }

    [Test]
    public void JudgeRewardFacade_DispatchesToTheCurrentBackend()
    {
        Assert.That(JudgeReward.BatchRanking("<answer>B: 2, C: 1, A: 0</answer>", "BCA"), Is.EqualTo(1f));
        Assert.That(JudgeReward.BatchRanking("<answer>CBA</answer>", "BCA"), Is.EqualTo(2f / 3));
        Assert.That(JudgeReward.Pair("[[C]]", "C"), Is.EqualTo(1f));
        var rewards = new float[2];
        JudgeReward.BatchRanking(["<answer>AB</answer>", "garbage"], ["BA", "AB"], rewards);
        Assert.That(rewards, Is.EqualTo(new[] { 0f, 0f }));
    }

    [Test]
    public void AnyText_NeverThrowsAndRewardsStayInUnitInterval()
    {
        var tokens = Gen.Elements(
            "<answer>", "</answer>", "[[", "]]", "A", "B", "C", "D", ":", "=", ",", ";", " ", ">", "3", "-", ".", "7",
            "\n", "x", "é", "[", "]");
        var texts = Gen.Choose(0, 12).SelectMany(len => Gen.ArrayOf(tokens, len)).Select(string.Concat);
        Prop.ForAll(Gen.Two(texts).ToArbitrary(), t =>
        {
            string text = t.Item1 + t.Item2;
            bool scoreOk = !JudgeOutput.TryParseScore(text, out double score) || double.IsFinite(score);
            bool verdictOk = Enum.IsDefined(JudgeOutput.ParseVerdict(text));
            var position = new int[3];
            bool rankingOk = !JudgeOutput.TryParseRanking(text, 3, position)
                || position.Order().SequenceEqual([0, 1, 2]);
            float reward = JudgeReward.BatchRanking(text, "CAB");
            return scoreOk && verdictOk && rankingOk && reward is >= 0 and <= 1
                && JudgeReward.Pair(text, "A") is 0f or 1f;
        }).QuickCheckThrowOnFailure();
        Prop.ForAll<string>(text =>
            JudgeReward.BatchRanking(text ?? string.Empty, "BA") is >= 0 and <= 1).QuickCheckThrowOnFailure();
    }

    [Test]
    public void TryParseScore_AgreesWithDoubleParseBitForBit()
    {
        var digit = Gen.Choose(0, 9).Select(d => (char)('0' + d));
        var numbers =
            from sign in Gen.Elements("", "-", "+")
            from whole in Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(digit, n))
            from fraction in Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(digit, n))
            from point in Gen.Elements(true, false)
            select sign + new string(whole) + (point ? "." + new string(fraction) : string.Empty);
        Prop.ForAll(numbers.ToArbitrary(), text =>
        {
            bool parsed = JudgeOutput.TryParseScore($"<answer>{text}</answer>", out double score);
            bool valid = text.Any(char.IsAsciiDigit);
            double expected = valid ? double.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 0;
            return parsed == valid
                && (!valid || BitConverter.DoubleToInt64Bits(score) == BitConverter.DoubleToInt64Bits(expected));
        }).QuickCheckThrowOnFailure();
    }
}
