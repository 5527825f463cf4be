using System.Text.RegularExpressions;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>
/// What an imported question asks about, by keyword rules on the lower-cased question, first match wins (the order
/// settles overlaps: "How many red buttons?" is a count, "What colour is the text?" a colour question, "Is there a
/// chip in the centre?" a presence question):
/// <list type="number">
/// <item><c>count</c>: "how many", "number of", "count";</item>
/// <item><c>colour</c>: "colour"/"color"/"coloured"/"hue", or a question ending in a colour name ("Is the button
/// red?"); a colour name elsewhere is only an adjective;</item>
/// <item><c>text</c>: "say(s)", "written", "text", "read(s)", "digit(s)", "number", "letter(s)", "word(s)",
/// "printed", "inscription";</item>
/// <item><c>presence</c>: "is/are there", "there is/are", "do/can you see", "visible", "any", "present",
/// "contain(s)";</item>
/// <item><c>position</c>: "where", "left", "right", "above", "below", "under", "beneath", "over", "top",
/// "bottom", "behind", "in front of", "next to", "beside", "between", "position", "located", "corner",
/// "centre"/"center", "middle", "side";</item>
/// <item><c>other</c>: none of these; no edit is known to change the answer, so the row is skipped.</item>
/// </list>
/// </summary>
internal static class QuestionKinds
{
    public const string Count = "count";
    public const string Colour = "colour";
    public const string Text = "text";
    public const string Presence = "presence";
    public const string Position = "position";
    public const string Other = "other";

    private const string ColourNames =
        "red|orange|yellow|green|blue|purple|violet|pink|brown|black|white|gr[ae]y|silver|gold|cyan|magenta";

    private static readonly (string Kind, Regex Rule)[] s_rules =
    [
        (Count, Words(@"how many|number of|count")),
        (Colour, new Regex($@"\b(colou?rs?|colou?red|hue)\b|\b({ColourNames})\W*$", RegexOptions.CultureInvariant)),
        (Text, Words(@"says?|written|text|reads?|digits?|numbers?|letters?|words?|printed|inscription")),
        (Presence, Words(@"(is|are) there|there (is|are)|(do|can) you see|visible|any|present|contains?")),
        (Position, Words(@"where|left|right|above|below|under|beneath|over|top|bottom|behind|in front of|next to|"
            + @"beside|between|position|located|corner|cent(er|re)|middle|side")),
    ];

    private static readonly Regex s_vertical = Words("above|below|under|beneath|over|top|bottom");

    /// <summary>The kinds in rule order, then <see cref="Other"/>.</summary>
    public static IReadOnlyList<string> All { get; } = [.. s_rules.Select(r => r.Kind), Other];

    /// <summary>The kind of <paramref name="question"/> (see the class comment for the rules).</summary>
    public static string Classify(string question)
    {
        string q = question.ToLowerInvariant();
        foreach (var (kind, rule) in s_rules)
        {
            if (rule.IsMatch(q))
            {
                return kind;
            }
        }

        return Other;
    }

    /// <summary>True when a position question is about up/down rather than left/right.</summary>
    public static bool IsVertical(string question) => s_vertical.IsMatch(question.ToLowerInvariant());

    private static Regex Words(string alternatives) =>
        new($@"\b({alternatives})\b", RegexOptions.CultureInvariant);
}
