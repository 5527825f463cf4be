using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// The tokenizer the rest of the code uses: a byte-level BPE run by Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/> (ByteLevel on, the file's split regex with the added tokens split out first, as HF
/// tokenizers runs GPT-2 and Qwen2 files), plus the lookups and the <see cref="Chat"/> markers the judge needs.
/// Built from a <see cref="BpeDefinition"/>; <see cref="TokenizerLoader.For"/> is the usual way. Thread-safe.
/// </summary>
public sealed class Tokenizer
{
    /// <summary>Longest a pre-tokenizer regex may spend on one match before the file's pattern is blamed.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(2);

    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, int> _addedByContent;
    private readonly Dictionary<int, string> _vocabById;
    private readonly Lazy<ChatTokens> _chat;

    /// <summary>Builds the ML.Tokenizers BPE of <paramref name="definition"/>; a bad definition is a ModelException.</summary>
    public Tokenizer(BpeDefinition definition)
    {
        Definition = definition;
        _addedById = definition.AddedTokens.ToDictionary(t => t.Id);
        _addedByContent = definition.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        _vocabById = new Dictionary<int, string>(definition.Vocab.Count);
        foreach (var (token, id) in definition.Vocab)
        {
            _vocabById.TryAdd(id, token);
        }

        // The split regex tries the added tokens in insertion order: longest first gives HF's leftmost-longest match.
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in definition.AddedTokens.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Content,
                     StringComparer.Ordinal))
        {
            specials.Add(t.Content, t.Id);
        }

        Regex regex;
        try
        {
            regex = new Regex(definition.Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ModelException(Source, "pre_tokenizer", $"bad regex: {e.Message}", e);
        }

        var seen = new HashSet<(string, string)>();
        var options = new BpeOptions(definition.Vocab)
        {
            // A repeated merge keeps its first rank (ML.Tokenizers would refuse the repeat).
            Merges = definition.Merges.Where(seen.Add).Select(m => m.Left + " " + m.Right).ToList(),
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(regex, specials),
            UnknownToken = definition.UnknownToken,
            ByteLevel = true,
        };
        try
        {
            _bpe = BpeTokenizer.Create(options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ModelException(Source, "model", e.Message, e);
        }

        VocabSize = 1 + Math.Max(
            definition.Vocab.Count == 0 ? -1 : definition.Vocab.Values.Max(),
            definition.AddedTokens.Count == 0 ? -1 : definition.AddedTokens.Max(t => t.Id));
        _chat = new Lazy<ChatTokens>(() => ChatTokens.Find(this));
    }

    /// <summary>What the tokenizer was built from (vocabulary, merges, added tokens, regex).</summary>
    public BpeDefinition Definition { get; }

    /// <summary>
    /// The normalizer named in the file (null or "NFC"). It is recorded, not applied: the build runs with invariant
    /// globalization, which has no Unicode normalization, so text is expected in NFC already (as virtually all typed
    /// and generated text is); such text tokenizes exactly as HF does.
    /// </summary>
    public string? Normalizer => Definition.Normalizer;

    /// <summary>Where the tokenizer came from (file path, or &lt;tiny&gt;).</summary>
    public string Source => Definition.Source;

    /// <summary>One more than the largest id (the embedding table's row count must be at least this).</summary>
    public int VocabSize { get; }

    /// <summary>The chat markers and image placeholder; a ModelException naming the file when one is missing.</summary>
    public ChatTokens Chat => _chat.Value;

    /// <summary>
    /// Token ids of <paramref name="text"/>: added tokens matched first, the rest split by the regex and merged. Text
    /// no token covers (a byte without a token and no unk_token, or a character the regex never matches, which HF
    /// would keep as its own piece) is a <see cref="ModelException"/>, never silently dropped.
    /// </summary>
    public int[] Encode(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        IReadOnlyList<EncodedToken> tokens;
        try
        {
            tokens = _bpe.EncodeToTokens(text, out _, considerPreTokenization: true, considerNormalization: false);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new ModelException(Source, "pre_tokenizer",
                $"the split regex ran over {RegexTimeout.TotalSeconds} s on one match; it backtracks without bound", e);
        }

        var ids = new int[tokens.Count];
        var covered = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            ids[i] = tokens[i].Id;
            var (start, end) = (tokens[i].Offset.Start.Value, tokens[i].Offset.End.Value);
            if (start > covered)
            {
                break;
            }

            // A surrogate pair's bytes all map to its high surrogate's index, so an end there covers the pair.
            covered = Math.Max(covered, end < text.Length && char.IsSurrogatePair(text, end - 1) ? end + 1 : end);
        }

        return covered >= text.Length ? ids : throw Uncovered(text, covered);
    }

    /// <summary>
    /// Text of <paramref name="ids"/>: byte-level tokens back to bytes, added tokens as their content, then UTF-8
    /// (invalid sequences, e.g. a cut multi-byte char, become U+FFFD as in HF). Unknown ids are a
    /// <see cref="ModelException"/>, or are skipped with <paramref name="skipUnknownIds"/> as HF tokenizers' decode
    /// does (a model's padded vocabulary rows past the tokenizer can be sampled). Skipping special tokens keeps the
    /// added tokens not marked special, as HF does.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool skipUnknownIds = false)
    {
        var kept = new List<int>(ids.Length);
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    kept.Add(id);
                }
            }
            else if (_vocabById.ContainsKey(id))
            {
                kept.Add(id);
            }
            else if (!skipUnknownIds)
            {
                throw new ModelException(Source, "ids", $"id {id} is not in the vocabulary");
            }
        }

        return _bpe.Decode(kept, considerSpecialTokens: true);
    }

    /// <summary>The id of a token string (added tokens first), or null.</summary>
    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var added) ? added
        : Definition.Vocab.TryGetValue(token, out var id) ? id
        : null;

    /// <summary>The token string of an id (byte-level form for BPE tokens), or null.</summary>
    public string? IdToToken(int id) =>
        _addedById.TryGetValue(id, out var added) ? added.Content : _vocabById.GetValueOrDefault(id);

    /// <summary>Serialises to HF's tokenizer.json layout (loadable by <c>tokenizers.Tokenizer.from_file</c>).</summary>
    public string ToJson() => TokenizerJson.Write(Definition);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    private ModelException Uncovered(string text, int at)
    {
        var pair = char.IsSurrogatePair(text, at);
        var code = pair ? char.ConvertToUtf32(text[at], text[at + 1]) : text[at];
        return new ModelException(Source, "model.vocab",
            $"no token covers '{text.Substring(at, pair ? 2 : 1)}' (U+{code:X4}) at char {at}: the vocab lacks one of its " +
            "bytes and there is no unk_token, or the pre_tokenizer regex never matches it");
    }
}
