using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>
/// The released Perception-Judge reward rule written for obviousness, not speed, independent of
/// <see cref="AnswerTags"/>: a regular expression finds the tags, <see cref="BigInteger"/> holds the scores, LINQ
/// sorts them, and the discordant pairs are counted letter by letter.
/// <para>
/// Python's <c>re.findall(r"&lt;answer&gt;(\d+)&lt;/answer&gt;", s)</c> is written here as the matches of
/// <c>&lt;answer&gt;([^&lt;]+)&lt;/answer&gt;</c> whose content is all decimal digits: both tags start with
/// <c>&lt;</c> and digits never are one, so the two patterns match at the same places with the same content. It
/// avoids .NET's <c>\d</c>, which sees UTF-16 units and so misses the supplementary-plane digits Python's
/// <c>\d</c> (Unicode category Nd) takes.
/// </para>
/// </summary>
internal static class ReleasedRule
{
    private static readonly Regex s_tag = new("<answer>([^<]+)</answer>", RegexOptions.CultureInvariant);

    /// <summary>The scores in order, as Python's <c>int()</c> reads each tag.</summary>
    public static List<BigInteger> Scores(string output) =>
        [.. s_tag.Matches(output).Select(m => m.Groups[1].Value).Where(IsDigits).Select(ToInteger)];

    /// <summary>1 − D / C(n,2), or 0 unless there are exactly n distinct scores; ground truth letters, any case.
    /// </summary>
    public static float BatchRanking(string output, string groundTruth)
    {
        string truth = groundTruth.ToUpperInvariant();
        var scores = Scores(output);
        int n = truth.Length;
        if (scores.Count != n || scores.Distinct().Count() != n)
        {
            return 0f;
        }

        string predicted = new([.. Enumerable.Range(0, n).OrderByDescending(i => scores[i]).Select(i => (char)('A' + i))]);
        int pairs = n * (n - 1) / 2;
        return (float)(1.0 - (double)JudgeRewardTests.DiscordantByHand(truth, predicted) / pairs);
    }

    /// <summary>A when the first of exactly two scores is higher, B when the second is, C when equal.</summary>
    public static Verdict Pair(string output)
    {
        var scores = Scores(output);
        if (scores.Count != 2)
        {
            return Verdict.None;
        }

        return scores[0] > scores[1] ? Verdict.A : scores[0] < scores[1] ? Verdict.B : Verdict.C;
    }

    private static bool IsDigits(string s) =>
        s.EnumerateRunes().All(r => Rune.GetUnicodeCategory(r) == UnicodeCategory.DecimalDigitNumber);

    private static BigInteger ToInteger(string digits) =>
        BigInteger.Parse(
            string.Concat(digits.EnumerateRunes().Select(r => (int)Rune.GetNumericValue(r))),
            CultureInfo.InvariantCulture);
}
