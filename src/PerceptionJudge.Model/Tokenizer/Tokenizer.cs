using System.Text;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// A byte-level BPE tokenizer as HF <c>tokenizers</c> runs one from <c>tokenizer.json</c> (GPT-2, Qwen2, Llama 3):
/// added tokens are matched first, the rest is pre-tokenized (regex split), each piece's UTF-8 bytes are mapped to the
/// byte-level alphabet and merged by rank. Decoding maps tokens back to bytes and reads them as UTF-8. Thread-safe.
/// </summary>
public sealed class Tokenizer
{
    private readonly AddedTokenMatcher _matcher;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;

    /// <summary>Assembles a tokenizer; <see cref="Load"/> and <see cref="CreateTiny"/> are the usual ways.</summary>
    public Tokenizer(
        BytePairModel model, PreTokenizer preTokenizer, IReadOnlyList<AddedToken> addedTokens,
        string? normalizer = null, string source = "<memory>")
    {
        Model = model;
        PreTokenizer = preTokenizer;
        AddedTokens = addedTokens;
        Normalizer = normalizer;
        Source = source;
        _matcher = new AddedTokenMatcher(addedTokens);
        _addedById = addedTokens.ToDictionary(t => t.Id);
        _addedByContent = addedTokens.ToDictionary(t => t.Content, StringComparer.Ordinal);
        VocabSize = Math.Max(model.IdLimit, addedTokens.Count == 0 ? 0 : addedTokens.Max(t => t.Id) + 1);
    }

    /// <summary>The BPE model (vocabulary and merges).</summary>
    public BytePairModel Model { get; }

    /// <summary>The pre-tokenizer steps.</summary>
    public PreTokenizer PreTokenizer { get; }

    /// <summary>Tokens matched verbatim before BPE.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>
    /// The normalizer named in tokenizer.json (null or "NFC"). It is recorded, not applied: the build runs with
    /// invariant globalization, which has no Unicode normalization, so text is expected in NFC already (as virtually
    /// all typed and generated text is); such text tokenizes exactly as HF does.
    /// </summary>
    public string? Normalizer { get; }

    /// <summary>Where the tokenizer came from (file path, or &lt;tiny&gt;).</summary>
    public string Source { get; }

    /// <summary>One more than the largest id (the embedding table's row count must be at least this).</summary>
    public int VocabSize { get; }

    /// <summary>Loads a HF <c>tokenizer.json</c> (or a folder holding one); errors are ModelException.</summary>
    public static Tokenizer Load(string path)
    {
        var file = Directory.Exists(path) ? System.IO.Path.Combine(path, "tokenizer.json") : path;
        byte[] json;
        try
        {
            json = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException(file, null, $"cannot read: {e.Message}", e);
        }
        return TokenizerJson.Read(file, json);
    }

    /// <summary>Parses tokenizer.json text; <paramref name="source"/> names it in errors.</summary>
    public static Tokenizer FromJson(string json, string source = "tokenizer.json") =>
        TokenizerJson.Read(source, Encoding.UTF8.GetBytes(json));

    /// <summary>The built-in vocabulary of the synthetic demo (see <see cref="TinyVocabulary"/>).</summary>
    public static Tokenizer CreateTiny() => TinyVocabulary.Create();

    /// <summary>Serialises to HF's tokenizer.json layout (loadable by <c>tokenizers.Tokenizer.from_file</c>).</summary>
    public string ToJson() => TokenizerJson.Write(this);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    /// <summary>
    /// Token ids of <paramref name="text"/>. With <paramref name="matchAddedTokens"/> false, added-token text such as
    /// "&lt;image&gt;" is tokenized as plain text (for untrusted input).
    /// </summary>
    public int[] Encode(string text, bool matchAddedTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        if (!matchAddedTokens)
        {
            EncodePlain(text, ids);
            return [.. ids];
        }
        foreach (var (segment, token) in _matcher.Split(text))
        {
            if (token is not null)
            {
                ids.Add(token.Id);
            }
            else
            {
                EncodePlain(segment, ids);
            }
        }
        return [.. ids];
    }

    /// <summary>
    /// Text of <paramref name="ids"/>: byte-level tokens back to bytes, added tokens as their content, then UTF-8
    /// (invalid sequences, e.g. a cut multi-byte char, become U+FFFD as in HF). Unknown ids are a
    /// <see cref="ModelException"/>, or are skipped with <paramref name="skipUnknownIds"/> as HF tokenizers' decode
    /// does (a model's padded vocabulary rows past the tokenizer can be sampled).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool skipUnknownIds = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(added.Content));
                }
                continue;
            }
            var token = Model.IdToToken(id);
            if (token is null)
            {
                if (skipUnknownIds)
                {
                    continue;
                }

                throw new ModelException(Source, "ids", $"id {id} is not in the vocabulary");
            }

            foreach (var c in token)
            {
                if (ByteLevel.TryToByte(c, out var b))
                {
                    bytes.Add(b);
                }
                else
                {
                    // Not in the byte-level alphabet: HF's ByteLevel decoder keeps the char itself.
                    var n = new Rune(char.IsSurrogate(c) ? '\uFFFD' : c).EncodeToUtf8(utf8);
                    bytes.AddRange(utf8[..n]);
                }
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The id of a token string (added tokens first), or null.</summary>
    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var added) ? added.Id
        : Model.Vocab.TryGetValue(token, out var id) ? id
        : null;

    /// <summary>The token string of an id (byte-level form for BPE tokens), or null.</summary>
    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var added) ? added.Content : Model.IdToToken(id);

    private void EncodePlain(string text, List<int> ids)
    {
        foreach (var piece in PreTokenizer.Split(text))
        {
            if (!Model.TryEncodePiece(piece, ids))
            {
                throw new ModelException(
                    Source, "model.vocab", $"no token for a byte of '{piece}' and no unk_token to stand in");
            }
        }
    }
}
