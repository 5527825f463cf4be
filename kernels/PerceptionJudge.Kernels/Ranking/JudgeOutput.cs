using System.Globalization;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>A pair-comparison verdict as written by the judge (MLLM-as-a-Judge: <c>[[A]]</c>, <c>[[B]]</c>,
/// <c>[[C]]</c> = tie).</summary>
public enum Verdict
{
    /// <summary>No verdict found: a "no parse" result.</summary>
    None,

    /// <summary>Response A is better.</summary>
    A,

    /// <summary>Response B is better.</summary>
    B,

    /// <summary>Tie.</summary>
    C,

    /// <summary>Two different verdicts in the same answer: a "no parse" result.</summary>
    Conflicting,
}

/// <summary>
/// Parses judge generations. Nothing here throws on model output: garbage is a "no parse" result (false, or
/// <see cref="Verdict.None"/>), which the rewards turn into 0.
/// <para>
/// The <b>answer region</b> of a generation is the content of its LAST complete <c>&lt;answer&gt;…&lt;/answer&gt;</c>
/// block (the last <c>&lt;/answer&gt;</c> and the last <c>&lt;answer&gt;</c> before it; tags are lower-case, as in
/// verl's <c>verl/utils/reward_score/*.py</c> extractors that take the last match), or the whole generation when it
/// has no complete block. The region is trimmed of white space before parsing.
/// </para>
/// <para>
/// <b>Precedence of the released format.</b> Rankings and verdicts are first read in the released Perception-Judge
/// format (<see cref="AnswerTags"/>: one <c>&lt;answer&gt;N&lt;/answer&gt;</c> per response, anywhere in the
/// output). A generation with at least one such integer tag is judged by that rule alone, exactly as the released
/// reward judges it (so one tag, too many, or equal scores is no parse); only a generation with none falls back to
/// the single-block forms of its answer region. The released rule can score such a generation only 0, so the forms
/// never override what the released reward decided.
/// </para>
/// </summary>
public static class JudgeOutput
{
    /// <summary>Most responses a batch ranking can hold: one letter each, <c>A</c>..<c>Z</c>.</summary>
    public const int MaxResponses = 26;

    private const string OpenTag = "<answer>";
    private const string CloseTag = "</answer>";

    /// <summary>Content of the last complete <c>&lt;answer&gt;…&lt;/answer&gt;</c> block, untrimmed.</summary>
    public static bool TryGetLastAnswer(ReadOnlySpan<char> text, out ReadOnlySpan<char> content)
    {
        int close = text.LastIndexOf(CloseTag, StringComparison.Ordinal);
        if (close >= 0)
        {
            int open = text[..close].LastIndexOf(OpenTag, StringComparison.Ordinal);
            if (open >= 0)
            {
                content = text[(open + OpenTag.Length)..close];
                return true;
            }
        }

        content = default;
        return false;
    }

    /// <summary>The trimmed answer region: the last answer block, else the whole text.</summary>
    public static ReadOnlySpan<char> AnswerRegion(ReadOnlySpan<char> text) =>
        (TryGetLastAnswer(text, out var content) ? content : text).Trim();

    /// <summary>
    /// A single score: the answer region is exactly one number, integer or decimal (<c>7</c>, <c>-2</c>,
    /// <c>3.5</c>, <c>.5</c>), no exponent, no thousands separator, finite.
    /// </summary>
    public static bool TryParseScore(ReadOnlySpan<char> text, out double score)
    {
        var region = AnswerRegion(text);
        int end = ScanNumber(region, 0);
        if (end != region.Length || end == 0)
        {
            score = 0;
            return false;
        }

        return TryNumber(region, out score);
    }

    /// <summary>
    /// The verdict. In the released format (see the type's precedence note): exactly two integer answer tags,
    /// A when the first score is higher, B when the second is, C when they tie (other counts: <see cref="Verdict.None"/>).
    /// Otherwise from the answer region: every <c>[[A]]</c>, <c>[[B]]</c> or <c>[[C]]</c> in it; if there is none,
    /// a region that is exactly the letter <c>A</c>, <c>B</c> or <c>C</c>. Two different verdicts give
    /// <see cref="Verdict.Conflicting"/>; the same verdict repeated counts once.
    /// </summary>
    public static Verdict ParseVerdict(ReadOnlySpan<char> text)
    {
        Span<Range> tags = stackalloc Range[3];
        int count = AnswerTags.Find(text, tags);
        if (count > 0)
        {
            return count == 2 ? AnswerTags.PairVerdict(text[tags[0]], text[tags[1]]) : Verdict.None;
        }

        var region = AnswerRegion(text);
        var found = Verdict.None;
        for (int i = 0; i + 5 <= region.Length; i++)
        {
            if (region[i] == '[' && region[i + 1] == '[' && region[i + 3] == ']' && region[i + 4] == ']'
                && region[i + 2] is >= 'A' and <= 'C')
            {
                var v = (Verdict)(region[i + 2] - 'A' + 1);
                if (found != Verdict.None && found != v)
                {
                    return Verdict.Conflicting;
                }

                found = v;
            }
        }

        if (found == Verdict.None && region.Length == 1 && region[0] is >= 'A' and <= 'C')
        {
            found = (Verdict)(region[0] - 'A' + 1);
        }

        return found;
    }

    /// <summary>
    /// A batch ranking of <paramref name="n"/> responses (A = response 0, B = response 1, ...) into
    /// <paramref name="position"/>: <c>position[r]</c> = place of response r, 0 = best, higher score = better.
    /// In the released format (see the type's precedence note): exactly n integer answer tags in response order,
    /// pairwise distinct. Otherwise, from the answer region, one of:
    /// <list type="bullet">
    /// <item>scores in response order, separated by commas, semicolons and/or white space, optionally inside
    /// <c>[ ]</c>: <c>3, 5, 1</c> or <c>3 5 1</c> (higher score = better);</item>
    /// <item>labelled scores in any order, <c>A: 3, B: 5, C: 1</c> (<c>:</c> or <c>=</c>; each of the first n
    /// upper-case letters exactly once);</item>
    /// <item>a letter permutation best-first, when the region holds no digit: <c>BCA</c>, <c>B &gt; C &gt; A</c>,
    /// <c>B, C, A</c>, <c>[[B]] &gt; [[C]] &gt; [[A]]</c> (separators: white space , &gt; [ ]).</item>
    /// </list>
    /// Scores must be exactly n and pairwise distinct (<c>3</c> and <c>3.0</c> are equal); a letter ranking must be a
    /// permutation of the first n letters. Anything else returns false.
    /// </summary>
    public static bool TryParseRanking(ReadOnlySpan<char> text, int n, Span<int> position)
    {
        if (n < 1 || n > MaxResponses || position.Length < n)
        {
            return false;
        }

        Span<Range> tags = stackalloc Range[MaxResponses + 1];
        int count = AnswerTags.Find(text, tags[..(n + 1)]);
        if (count > 0)
        {
            return count == n && AnswerTags.TryRank(text, tags[..n], position);
        }

        var region = AnswerRegion(text);
        return region.IndexOfAnyInRange('0', '9') >= 0
            ? TryParseScores(region, n, position)
            : TryParseLetters(region, n, position);
    }

    /// <summary>
    /// A letter permutation best-first (<c>BCA</c>, <c>B &gt; C &gt; A</c>): writes <c>position[r]</c> and returns
    /// the number of letters, or -1 when the text is not a permutation of the first k letters (k ≤ 26).
    /// </summary>
    public static int ParseLetterPermutation(ReadOnlySpan<char> text, Span<int> position)
    {
        var region = text.Trim();
        int k = 0;
        foreach (char c in region)
        {
            if (c is >= 'A' and <= 'Z')
            {
                k++;
            }
            else if (!IsLetterSeparator(c))
            {
                return -1;
            }
        }

        if (k == 0 || k > MaxResponses || position.Length < k)
        {
            return -1;
        }

        return TryParseLetters(region, k, position) ? k : -1;
    }

    private static bool IsLetterSeparator(char c) => char.IsWhiteSpace(c) || c is ',' or '>' or '[' or ']';

    private static bool IsScoreSeparator(char c) => char.IsWhiteSpace(c) || c is ',' or ';';

    private static bool TryParseLetters(ReadOnlySpan<char> region, int n, Span<int> position)
    {
        uint seen = 0;
        int place = 0;
        foreach (char c in region)
        {
            if (IsLetterSeparator(c))
            {
                continue;
            }

            int r = c - 'A';
            if ((uint)r >= (uint)n || (seen & (1u << r)) != 0)
            {
                return false;
            }

            seen |= 1u << r;
            position[r] = place++;
        }

        return place == n;
    }

    private static bool TryParseScores(ReadOnlySpan<char> region, int n, Span<int> position)
    {
        if (region.Length >= 2 && region[0] == '[' && region[^1] == ']')
        {
            region = region[1..^1];
        }

        Span<double> scores = stackalloc double[MaxResponses];
        uint seen = 0;
        int count = 0;
        int labelled = -1; // unknown until the first entry
        int i = 0;
        while (true)
        {
            while (i < region.Length && IsScoreSeparator(region[i]))
            {
                i++;
            }

            if (i == region.Length)
            {
                break;
            }

            if (count == n)
            {
                return false;
            }

            int slot = count;
            bool hasLabel = region[i] is >= 'A' and <= 'Z';
            if (labelled >= 0 && hasLabel != (labelled == 1))
            {
                return false;
            }

            labelled = hasLabel ? 1 : 0;
            if (hasLabel)
            {
                slot = region[i] - 'A';
                if (slot >= n || (seen & (1u << slot)) != 0)
                {
                    return false;
                }

                seen |= 1u << slot;
                i = SkipSpaces(region, i + 1);
                if (i == region.Length || region[i] is not (':' or '='))
                {
                    return false;
                }

                i = SkipSpaces(region, i + 1);
            }

            int end = ScanNumber(region, i);
            if (end == i || !TryNumber(region[i..end], out scores[slot]))
            {
                return false;
            }

            count++;
            i = end;
            if (i < region.Length && !IsScoreSeparator(region[i]))
            {
                return false;
            }
        }

        if (count != n)
        {
            return false;
        }

        for (int r = 0; r < n; r++)
        {
            int better = 0;
            for (int j = 0; j < n; j++)
            {
                if (j != r && scores[j] == scores[r])
                {
                    return false;
                }

                better += scores[j] > scores[r] ? 1 : 0;
            }

            position[r] = better;
        }

        return true;
    }

    private static int SkipSpaces(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>End of the number starting at <paramref name="i"/>: [+-]? digits [. digits] | [+-]? . digits;
    /// returns <paramref name="i"/> when there is none.</summary>
    private static int ScanNumber(ReadOnlySpan<char> s, int i)
    {
        int j = i;
        if (j < s.Length && s[j] is '+' or '-')
        {
            j++;
        }

        int digits = 0;
        while (j < s.Length && char.IsAsciiDigit(s[j]))
        {
            j++;
            digits++;
        }

        if (j < s.Length && s[j] == '.')
        {
            int k = j + 1;
            int fraction = 0;
            while (k < s.Length && char.IsAsciiDigit(s[k]))
            {
                k++;
                fraction++;
            }

            if (digits + fraction > 0)
            {
                return k;
            }
        }

        return digits > 0 ? j : i;
    }

    /// <summary>
    /// Value of a token accepted by <see cref="ScanNumber"/>. Up to 15 digits the mantissa (&lt; 2^53) and 10^k
    /// (k ≤ 15) are exact doubles, so one IEEE division gives the correctly rounded value, the same as
    /// <see cref="double.Parse(string)"/>; longer tokens go to <see cref="double.TryParse(string?, out double)"/>.
    /// </summary>
    private static bool TryNumber(ReadOnlySpan<char> s, out double value)
    {
        int i = s[0] is '+' or '-' ? 1 : 0;
        long mantissa = 0;
        int digits = 0, fraction = 0;
        bool afterPoint = false;
        for (; i < s.Length && digits <= 15; i++)
        {
            if (s[i] == '.')
            {
                afterPoint = true;
                continue;
            }

            mantissa = mantissa * 10 + (s[i] - '0');
            digits++;
            fraction += afterPoint ? 1 : 0;
        }

        if (digits <= 15)
        {
            value = mantissa / s_powersOfTen[fraction];
            value = s[0] == '-' ? -value : value;
            return true;
        }

        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    private static readonly double[] s_powersOfTen =
        [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
}
