using System.Text;

namespace PerceptionJudge.Fuzz;

/// <summary>
/// Seeded, deterministic mutations of a corpus for the CI replay, where AFL++ does not run: AFL++'s havoc stage in
/// small (bit and byte flips, interesting values, block deletion and duplication, dictionary tokens, splicing two
/// inputs, truncation), so one seed gives the same inputs on every machine and a failure replays by its index.
/// </summary>
public sealed class Mutator
{
    /// <summary>Largest input produced; AFL++'s campaigns go further.</summary>
    public const int MaxLength = 64 * 1024;

    private static readonly byte[] s_interesting =
        [0, 1, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)',', (byte)':',
         (byte)'\n', (byte)'<', (byte)'>', (byte)'-', (byte)'0', (byte)'9', (byte)'\\', (byte)' '];

    private readonly IReadOnlyList<byte[]> _corpus;
    private readonly byte[][] _tokens;

    /// <summary>A mutator over <paramref name="corpus"/> (at least one input) and dictionary tokens.</summary>
    public Mutator(IReadOnlyList<byte[]> corpus, IEnumerable<string> dictionary)
    {
        if (corpus.Count == 0)
        {
            throw new ArgumentException("a mutator needs at least one corpus input", nameof(corpus));
        }
        _corpus = corpus;
        _tokens = dictionary.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The <paramref name="count"/> mutated inputs of seed <paramref name="seed"/>, in order.</summary>
    public IEnumerable<byte[]> Generate(int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var data = new List<byte>(_corpus[random.Next(_corpus.Count)]);
            int rounds = 1 + random.Next(4);
            for (int r = 0; r < rounds; r++)
            {
                Mutate(random, data);
            }
            yield return data.Count > MaxLength ? data.GetRange(0, MaxLength).ToArray() : data.ToArray();
        }
    }

    private void Mutate(Random random, List<byte> data)
    {
        int at = random.Next(data.Count + 1);
        switch (random.Next(8))
        {
            case 0 when data.Count > 0:
                at = Math.Min(at, data.Count - 1);
                data[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[Math.Min(at, data.Count - 1)] = s_interesting[random.Next(s_interesting.Length)];
                break;
            case 2 when data.Count > 0:
                int deleteAt = Math.Min(at, data.Count - 1);
                data.RemoveRange(deleteAt, Math.Min(data.Count - deleteAt, 1 + random.Next(32)));
                break;
            case 3 when data.Count > 0:
                int copyAt = Math.Min(at, data.Count - 1);
                var block = data.GetRange(copyAt, Math.Min(data.Count - copyAt, 1 + random.Next(64)));
                data.InsertRange(random.Next(data.Count + 1), block);
                break;
            case 4 or 5 when _tokens.Length > 0:
                data.InsertRange(at, _tokens[random.Next(_tokens.Length)]);
                break;
            case 6:
                byte[] other = _corpus[random.Next(_corpus.Count)];
                int from = random.Next(other.Length + 1);
                data.RemoveRange(at, data.Count - at);
                data.AddRange(other.AsSpan(from).ToArray());
                break;
            case 7 when data.Count > 0:
                data.RemoveRange(at, data.Count - at);
                break;
            default:
                data.Insert(at, (byte)random.Next(256));
                break;
        }
    }
}
