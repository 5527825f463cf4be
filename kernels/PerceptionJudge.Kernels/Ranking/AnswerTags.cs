using System.Buffers;
using System.Globalization;
using System.Text;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// The answer format of the released Perception-Judge reward: one score per response, each in its own
/// <c>&lt;answer&gt;N&lt;/answer&gt;</c> tag, in response order, found anywhere in the output as Python's
/// <c>re.findall(r"&lt;answer&gt;(\d+)&lt;/answer&gt;", output)</c> finds them and read with <c>int()</c>:
/// <list type="bullet">
/// <item>the tags are case-sensitive and hold nothing but the digits (<c>&lt;answer&gt; 8 &lt;/answer&gt;</c>,
/// <c>&lt;Answer&gt;8&lt;/Answer&gt;</c>, <c>3.5</c>, <c>-3</c>, <c>+3</c>, a word or nothing: not a tag, skipped);</item>
/// <item>a digit is any Unicode decimal digit (general category Nd, as Python's <c>\d</c> on <c>str</c>):
/// ASCII, full-width, Arabic-Indic, Devanagari, the supplementary-plane digits, mixed freely;</item>
/// <item>the value is the integer the digits spell (leading zeros allowed, any length), compared exactly, never
/// through float or int64.</item>
/// </list>
/// Scanning is left to right and allocation-free; nothing here throws on model output.
/// </summary>
public static class AnswerTags
{
    private const string OpenTag = "<answer>";
    private const string CloseTag = "</answer>";

    /// <summary>
    /// Finds the integer answer tags of <paramref name="text"/> in order and writes the digit ranges of the first
    /// <c>tags.Length</c> of them; returns how many it found, stopping at <c>tags.Length</c> (so a caller that needs
    /// exactly k passes room for k + 1).
    /// </summary>
    public static int Find(ReadOnlySpan<char> text, Span<Range> tags)
    {
        int count = 0;
        int from = 0;
        while (count < tags.Length)
        {
            int open = text[from..].IndexOf(OpenTag, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }

            int start = from + open + OpenTag.Length;
            int end = start;
            while (end < text.Length && DigitAt(text[end..], out _, out int used))
            {
                end += used;
            }

            if (end > start && text[end..].StartsWith(CloseTag, StringComparison.Ordinal))
            {
                tags[count++] = start..end;
                from = end + CloseTag.Length;
            }
            else
            {
                // Python's findall tries the next position; no "<answer>" can start inside this one.
                from = start;
            }
        }

        return count;
    }

    /// <summary>
    /// Compares two non-empty runs of decimal digits (as <see cref="Find"/> returns) as the integers they spell:
    /// leading zeros dropped, then the longer is larger, then digit by digit. Negative, zero or positive, as
    /// <see cref="IComparer{T}.Compare"/>.
    /// </summary>
    public static int CompareIntegers(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        a = SkipLeadingZeros(a, out int lengthA);
        b = SkipLeadingZeros(b, out int lengthB);
        if (lengthA != lengthB)
        {
            return lengthA.CompareTo(lengthB);
        }

        while (!a.IsEmpty)
        {
            int da = NextDigit(ref a);
            int db = NextDigit(ref b);
            if (da != db)
            {
                return da.CompareTo(db);
            }
        }

        return 0;
    }

    /// <summary>
    /// The released batch ranking: <paramref name="tags"/> holds n scores in response order;
    /// <c>position[r]</c> = how many responses scored higher than r (0 = best). False when two scores are equal.
    /// </summary>
    public static bool TryRank(ReadOnlySpan<char> text, ReadOnlySpan<Range> tags, Span<int> position)
    {
        for (int r = 0; r < tags.Length; r++)
        {
            int better = 0;
            for (int j = 0; j < tags.Length; j++)
            {
                if (j == r)
                {
                    continue;
                }

                int c = CompareIntegers(text[tags[j]], text[tags[r]]);
                if (c == 0)
                {
                    return false;
                }

                better += c > 0 ? 1 : 0;
            }

            position[r] = better;
        }

        return true;
    }

    /// <summary>The released pair verdict from two scores: A when the first is higher, B when the second is,
    /// C (tie) when they are equal.</summary>
    public static Verdict PairVerdict(ReadOnlySpan<char> first, ReadOnlySpan<char> second) =>
        CompareIntegers(first, second) switch
        {
            > 0 => Verdict.A,
            < 0 => Verdict.B,
            _ => Verdict.C,
        };

    private static bool DigitAt(ReadOnlySpan<char> s, out int value, out int used)
    {
        if (Rune.DecodeFromUtf16(s, out var rune, out used) == OperationStatus.Done
            && Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
        {
            value = (int)Rune.GetNumericValue(rune);
            return true;
        }

        value = 0;
        return false;
    }

    private static int NextDigit(ref ReadOnlySpan<char> s)
    {
        DigitAt(s, out int value, out int used);
        s = s[used..];
        return value;
    }

    /// <summary>The digits after the leading zeros, and how many digits (not UTF-16 units) that is.</summary>
    private static ReadOnlySpan<char> SkipLeadingZeros(ReadOnlySpan<char> s, out int digits)
    {
        var rest = s;
        while (!rest.IsEmpty)
        {
            var next = rest;
            if (NextDigit(ref next) != 0)
            {
                break;
            }

            rest = next;
        }

        digits = 0;
        for (var walk = rest; !walk.IsEmpty; digits++)
        {
            NextDigit(ref walk);
        }

        return rest;
    }
}
