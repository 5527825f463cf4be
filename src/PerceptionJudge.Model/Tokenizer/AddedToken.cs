namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// A token matched verbatim in the text before BPE runs (HF <c>added_tokens</c>): chat markers such as
/// <c>&lt;|im_start|&gt;</c>, <c>&lt;|endoftext|&gt;</c>, the <c>&lt;image&gt;</c> placeholder.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text matched.</param>
/// <param name="Special">Skipped by <see cref="Tokenizer.Decode"/> when asked to skip special tokens.</param>
/// <param name="LStrip">The match also swallows whitespace on its left.</param>
/// <param name="RStrip">The match also swallows whitespace on its right.</param>
/// <param name="SingleWord">Matches only when not inside a word (no letter, digit or '_' beside it).</param>
/// <param name="Normalized">HF's flag, kept for the round trip; matching always runs on the raw text here.</param>
public sealed record AddedToken(
    int Id, string Content, bool Special = true, bool LStrip = false, bool RStrip = false, bool SingleWord = false,
    bool Normalized = false);

/// <summary>Finds added tokens in text: leftmost match, longest content on ties (HF's leftmost-longest).</summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>
    /// Splits <paramref name="text"/> into plain segments (token null) and added-token matches, in order; a match
    /// with lstrip/rstrip takes the adjacent whitespace out of the neighbouring plain segments.
    /// </summary>
    public List<(string Text, AddedToken? Token)> Split(string text)
    {
        var segments = new List<(string, AddedToken?)>();
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = MatchAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }
            var start = i;
            var end = i + token.Content.Length;
            if (token.LStrip)
            {
                while (start > plainStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }
            if (start > plainStart)
            {
                segments.Add((text[plainStart..start], null));
            }
            segments.Add((text[start..end], token));
            plainStart = i = end;
        }
        if (plainStart < text.Length)
        {
            segments.Add((text[plainStart..], null));
        }
        return segments;
    }

    private AddedToken? MatchAt(string text, int i)
    {
        if (!_byFirstChar.TryGetValue(text[i], out var candidates))
        {
            return null;
        }
        foreach (var token in candidates)
        {
            if (!text.AsSpan(i).StartsWith(token.Content, StringComparison.Ordinal))
            {
                continue;
            }
            if (token.SingleWord && (IsWordChar(text, i - 1) || IsWordChar(text, i + token.Content.Length)))
            {
                continue;
            }
            return token;
        }
        return null;
    }

    private static bool IsWordChar(string text, int i) =>
        i >= 0 && i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_');
}
