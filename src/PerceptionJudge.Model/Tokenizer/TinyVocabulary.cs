using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// The built-in vocabulary of the synthetic demo: the 256 byte tokens (id = byte value, so any text encodes), then up
/// to <see cref="MaxMerges"/> BPE merges learned deterministically from <see cref="Corpus"/> (sentences about the
/// synthetic scenes and the judge prompts), then the special tokens. Training is classic BPE (Sennrich et al. 2016):
/// count adjacent pairs over the Qwen2-pre-tokenized corpus weighted by word frequency, merge the most frequent pair
/// (ties: ordinally smallest "left right"), repeat while some pair occurs at least twice.
/// </summary>
public static class TinyVocabulary
{
    /// <summary>Upper bound on learned merges.</summary>
    public const int MaxMerges = 300;

    /// <summary>End of a document / padding.</summary>
    public const string EndOfText = ChatTokens.EndOfText;

    /// <summary>Opens a chat turn.</summary>
    public const string ImStart = ChatTokens.ImStart;

    /// <summary>Closes a chat turn.</summary>
    public const string ImEnd = ChatTokens.ImEnd;

    /// <summary>Placeholder the vision tokens are spliced at.</summary>
    public const string Image = ChatTokens.ImageTag;

    private static readonly Lazy<Tokenizer> s_tokenizer = new(Build);

    private static readonly string[] s_colours = ["red", "green", "blue", "yellow", "purple", "orange"];
    private static readonly string[] s_shapes = ["circle", "square", "triangle", "star"];

    /// <summary>The special tokens, in id order after the merges.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = [EndOfText, ImStart, ImEnd, Image];

    /// <summary>The fixed training corpus (generated from word lists, so it is the same on every machine).</summary>
    public static IReadOnlyList<string> Corpus { get; } = BuildCorpus();

    /// <summary>The tokenizer (built once; it is immutable and thread-safe). Code outside the presets asks
    /// <see cref="TokenizerLoader.For"/>, which returns this for "tiny" and "nano".</summary>
    public static Tokenizer Create() => s_tokenizer.Value;

    private static List<string> BuildCorpus()
    {
        var lines = new List<string>
        {
            "What number is written in the image?",
            "Which response describes the image better? Answer with A or B.",
            "Response A is better than Response B because it names the correct colour.",
            "Rank the responses from best to worst. Score each answer from 0 to 10.",
            "The answer is correct. The answer is wrong. yes no",
            "0 1 2 3 4 5 6 7 8 9 10",
        };
        foreach (var shape in s_shapes)
        {
            lines.Add($"How many {shape}s are there in the image?");
            lines.Add($"What colour is the {shape}?");
        }
        foreach (var colour in s_colours)
        {
            lines.Add($"How many {colour} objects are there in the image?");
            foreach (var shape in s_shapes)
            {
                lines.Add($"There is a {colour} {shape} in the image. The {shape} is {colour}.");
                var other = s_colours[(Array.IndexOf(s_colours, colour) + 1) % s_colours.Length];
                lines.Add($"Is the {colour} {shape} to the left of the {other} {shape}?");
            }
        }
        return lines;
    }

    /// <summary>Builds a fresh instance (tests check that two builds agree).</summary>
    internal static Tokenizer Build()
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < 256; b++)
        {
            vocab.Add(ByteLevel.ToChar((byte)b).ToString(), b);
        }
        var merges = LearnMerges(vocab);
        var added = SpecialTokens.Select((special, i) => new AddedToken(vocab.Count + i, special)).ToList();
        return new Tokenizer(new BpeDefinition(vocab, merges, added, BpeDefinition.Qwen2Pattern, null, null, "<tiny>"));
    }

    /// <summary>Learns merges into <paramref name="vocab"/> (new tokens take the next ids), in rank order.</summary>
    private static List<(string, string)> LearnMerges(Dictionary<string, int> vocab)
    {
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var split = new RegexPreTokenizer(new Regex(BpeDefinition.Qwen2Pattern, RegexOptions.CultureInvariant), null);
        foreach (var line in Corpus)
        {
            foreach (var (offset, length) in split.PreTokenize(line))
            {
                var word = ByteLevel.Encode(Encoding.UTF8.GetBytes(line.Substring(offset, length)));
                frequency[word] = frequency.GetValueOrDefault(word) + 1;
            }
        }
        var words = frequency
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Symbols: kv.Key.Select(c => c.ToString()).ToList(), Count: kv.Value))
            .ToList();
        var merges = new List<(string, string)>();
        while (merges.Count < MaxMerges)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairs[pair] = pairs.GetValueOrDefault(pair) + count;
                }
            }
            var best = pairs
                .Where(kv => kv.Value >= 2)
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1 + " " + kv.Key.Item2, StringComparer.Ordinal)
                .Select(kv => kv.Key)
                .FirstOrDefault();
            if (best == default)
            {
                break;
            }
            merges.Add(best);
            vocab.TryAdd(best.Item1 + best.Item2, vocab.Count);
            foreach (var (symbols, _) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                    {
                        symbols[i] += best.Item2;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }
        return merges;
    }
}
