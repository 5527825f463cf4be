using System.Text.RegularExpressions;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>One step of a pre-tokenizer as HF's tokenizer.json spells it.</summary>
/// <param name="Kind"><c>Split</c> (regex, behaviour Isolated) or <c>ByteLevel</c>.</param>
/// <param name="Pattern">The regex of a Split step, or of a ByteLevel step with use_regex; null otherwise.</param>
/// <param name="AddPrefixSpace">ByteLevel: prepend a space to a piece that does not start with one.</param>
public sealed record PreTokenizerStep(string Kind, string? Pattern, bool AddPrefixSpace = false);

/// <summary>
/// Splits text into the pieces BPE runs on. Each step's regex splits every current piece with HF's "Isolated"
/// behaviour: matches and the text between them each become a piece. A boundary never separates a surrogate pair.
/// </summary>
public sealed class PreTokenizer
{
    /// <summary>Qwen2's split regex (Qwen2TokenizerFast): contractions, letter runs with one leading non-letter,
    /// single digits, punctuation runs, newline runs, and whitespace not followed by non-space.</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|" +
        @"\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2's split regex (the ByteLevel pre-tokenizer with use_regex).</summary>
    public const string Gpt2Pattern =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private const RegexOptions Options = RegexOptions.Compiled | RegexOptions.CultureInvariant;

    private readonly (Regex? Regex, bool AddPrefixSpace)[] _compiled;

    /// <summary>Compiles <paramref name="steps"/>; a bad regex throws <see cref="ArgumentException"/>.</summary>
    public PreTokenizer(IReadOnlyList<PreTokenizerStep> steps)
    {
        Steps = steps;
        _compiled = steps
            .Select(s => (s.Pattern is null ? null : new Regex(s.Pattern, Options), s.AddPrefixSpace))
            .ToArray();
    }

    /// <summary>Qwen2's pre-tokenizer: the Qwen2 split, then ByteLevel without prefix space or regex.</summary>
    public static PreTokenizer Qwen2 { get; } =
        new([new PreTokenizerStep("Split", Qwen2Pattern), new PreTokenizerStep("ByteLevel", null)]);

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<PreTokenizerStep> Steps { get; }

    /// <summary>Splits <paramref name="text"/> into pieces that concatenate to it (plus any prefix spaces).</summary>
    public List<string> Split(string text)
    {
        var pieces = new List<string> { text };
        foreach (var (regex, addPrefixSpace) in _compiled)
        {
            var next = new List<string>(pieces.Count * 2);
            foreach (var piece in pieces)
            {
                var p = addPrefixSpace && !piece.StartsWith(' ') ? " " + piece : piece;
                if (regex is null)
                {
                    next.Add(p);
                }
                else
                {
                    SplitIsolated(regex, p, next);
                }
            }
            pieces = next;
        }
        return pieces;
    }

    private static void SplitIsolated(Regex regex, string text, List<string> output)
    {
        var start = 0;
        foreach (var match in regex.EnumerateMatches(text))
        {
            if (match.Length == 0)
            {
                continue;
            }
            Emit(text, start, match.Index, output);
            Emit(text, match.Index, match.Index + match.Length, output);
            start = match.Index + match.Length;
        }
        Emit(text, start, text.Length, output);
    }

    /// <summary>Adds text[from..to), moving a boundary that splits a surrogate pair onto the pair's far side.</summary>
    private static void Emit(string text, int from, int to, List<string> output)
    {
        if (from > 0 && from < text.Length && char.IsLowSurrogate(text[from]) && char.IsHighSurrogate(text[from - 1]))
        {
            from++;
        }
        if (to > 0 && to < text.Length && char.IsLowSurrogate(text[to]) && char.IsHighSurrogate(text[to - 1]))
        {
            to++;
        }
        if (to > from)
        {
            output.Add(text[from..to]);
        }
    }
}
