using System.Collections.Concurrent;
using System.Text;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// Byte-level BPE (Sennrich et al. 2016; GPT-2's byte-level variant): a piece's UTF-8 bytes become byte-level chars,
/// each char one symbol, and the adjacent pair with the lowest merge rank is merged until no ranked pair remains (ties
/// go to the leftmost pair, as HF tokenizers' BPE does). Results are cached per piece; the model is thread-safe.
/// </summary>
public sealed class BytePairModel
{
    private const int MaxCacheEntries = 100_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly string?[] _idToToken;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;
    private readonly int[] _byteIds;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Builds the model. <paramref name="merges"/> are (left, right) token pairs in rank order; both parts and their
    /// concatenation must be in <paramref name="vocab"/> (the loader checks this and names the entry).
    /// </summary>
    public BytePairModel(
        IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges,
        int? unknownId = null, bool ignoreMerges = false)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        var size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        _idToToken = new string?[size];
        foreach (var (token, id) in vocab)
        {
            _idToToken[id] = token;
        }
        Merges = merges;
        _merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            _merges.TryAdd((_vocab[left], _vocab[right]), (rank, _vocab[left + right]));
        }
        _byteIds = new int[256];
        for (var b = 0; b < 256; b++)
        {
            _byteIds[b] = _vocab.TryGetValue(ByteLevel.ToChar((byte)b).ToString(), out var id) ? id : -1;
        }
        UnknownId = unknownId;
        IgnoreMerges = ignoreMerges;
    }

    /// <summary>Token string → id.</summary>
    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>The merges in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>Id emitted for a byte with no vocabulary entry; null makes such a byte an error.</summary>
    public int? UnknownId { get; }

    /// <summary>Llama-3 style: a piece that is itself a token is emitted whole, without merging.</summary>
    public bool IgnoreMerges { get; }

    /// <summary>One more than the largest id.</summary>
    public int IdLimit => _idToToken.Length;

    /// <summary>The token string of <paramref name="id"/>, or null.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>
    /// Appends the ids of one pre-tokenized piece to <paramref name="output"/>. Returns false (appending nothing)
    /// when a byte has no token and there is no unknown token.
    /// </summary>
    public bool TryEncodePiece(string piece, List<int> output)
    {
        if (_cache.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return true;
        }
        var bytes = Encoding.UTF8.GetBytes(piece);
        if (IgnoreMerges && _vocab.TryGetValue(ByteLevel.Encode(bytes), out var whole))
        {
            output.Add(whole);
            return true;
        }
        var symbols = new List<int>(bytes.Length);
        foreach (var b in bytes)
        {
            var id = _byteIds[b];
            if (id < 0)
            {
                if (UnknownId is not int unknown)
                {
                    return false;
                }
                id = unknown;
            }
            symbols.Add(id);
        }
        MergeAll(symbols);
        var result = symbols.ToArray();
        if (_cache.Count >= MaxCacheEntries)
        {
            _cache.Clear();
        }
        _cache.TryAdd(piece, result);
        output.AddRange(result);
        return true;
    }

    /// <summary>Repeatedly merges the lowest-ranked adjacent pair (leftmost on ties).</summary>
    private void MergeAll(List<int> symbols)
    {
        while (symbols.Count > 1)
        {
            var bestRank = int.MaxValue;
            var bestAt = -1;
            var bestMerged = 0;
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_merges.TryGetValue((symbols[i], symbols[i + 1]), out var m) && m.Rank < bestRank)
                {
                    bestRank = m.Rank;
                    bestAt = i;
                    bestMerged = m.Merged;
                }
            }
            if (bestAt < 0)
            {
                return;
            }
            symbols[bestAt] = bestMerged;
            symbols.RemoveAt(bestAt + 1);
        }
    }
}
