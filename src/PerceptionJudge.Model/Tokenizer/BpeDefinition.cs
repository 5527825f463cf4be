namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// What a byte-level BPE tokenizer is made of, as read from tokenizer.json or vocab.json + merges.txt (or built by
/// <see cref="TinyVocabulary"/>): the byte-level vocabulary, the merges in rank order, the added tokens, and the one
/// regex that splits text into the pieces BPE runs on.
/// </summary>
/// <param name="Vocab">Byte-level token string → id.</param>
/// <param name="Merges">(left, right) pairs, rank = index; both parts and their concatenation are in the vocab.</param>
/// <param name="AddedTokens">Tokens matched verbatim before the split.</param>
/// <param name="Pattern">The pre-tokenizer regex (from the file; GPT-2's for a ByteLevel step with use_regex).</param>
/// <param name="UnknownToken">Stands in for a byte with no token; null makes such a byte an error.</param>
/// <param name="Normalizer">The normalizer named in the file (null or NFC); recorded, see
/// <see cref="Tokenizer.Normalizer"/>.</param>
/// <param name="Source">The file it came from, for errors.</param>
public sealed record BpeDefinition(
    IReadOnlyDictionary<string, int> Vocab, IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens, string Pattern, string? UnknownToken, string? Normalizer, string Source)
{
    /// <summary>GPT-2's split regex: HF's ByteLevel pre-tokenizer with use_regex, and GPT2Tokenizer's.</summary>
    public const string Gpt2Pattern =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's split regex (Qwen2Tokenizer's PRETOKENIZE_REGEX, the Split step of its tokenizer.json):
    /// contractions, letter runs with one leading non-letter, single digits, punctuation runs, newline runs, and
    /// whitespace not followed by non-space.</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|" +
        @"\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Checks one merge against the vocabulary (<paramref name="item"/> names it in the error): both parts and their
    /// concatenation must be tokens, and neither part may hold a space (merges are stored as "left right").
    /// </summary>
    public static void CheckMerge(
        IReadOnlyDictionary<string, int> vocab, string left, string right, string source, string item)
    {
        if (left.Length == 0 || right.Length == 0 || left.Contains(' ') || right.Contains(' '))
        {
            throw new ModelException(source, item, $"'{left} {right}' is not two non-empty tokens without spaces");
        }

        foreach (var part in new[] { left, right, left + right })
        {
            if (!vocab.ContainsKey(part))
            {
                throw new ModelException(source, item, $"'{part}' of merge '{left} {right}' is not in the vocab");
            }
        }
    }

    /// <summary>
    /// Checks the added tokens against each other and the vocabulary: ids and contents unique, content non-empty, an
    /// id shared with the vocabulary only for the same text. <paramref name="item"/> names the i-th token (its
    /// field follows: ".id", ".content").
    /// </summary>
    public static void CheckAddedTokens(
        IReadOnlyDictionary<string, int> vocab, IReadOnlyList<AddedToken> added, string source, Func<int, string> item)
    {
        var byId = vocab.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.First().Key);
        var ids = new HashSet<int>();
        var contents = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < added.Count; i++)
        {
            var (id, content) = (added[i].Id, added[i].Content);
            if (content.Length == 0 || !contents.Add(content))
            {
                throw new ModelException(source, item(i) + ".content", $"'{content}' is empty or repeated");
            }

            if (!ids.Add(id))
            {
                throw new ModelException(source, item(i) + ".id", $"id {id} is used by two added tokens");
            }

            if (byId.TryGetValue(id, out var existing) && existing != content)
            {
                throw new ModelException(
                    source, item(i) + ".id", $"id {id} is '{existing}' in the vocab, not '{content}'");
            }
        }
    }
}
