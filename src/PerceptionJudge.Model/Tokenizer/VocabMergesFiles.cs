using System.Text.Json;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// The slow-tokenizer layout of a model folder: <c>vocab.json</c> ({token: id}), <c>merges.txt</c> (one "left right"
/// per line, rank = line order, an optional "#version" first line), and optionally <c>added_tokens.json</c>
/// ({content: id}, all special) and <c>tokenizer_config.json</c>, whose tokenizer_class picks the split regex:
/// Qwen2Tokenizer's for "Qwen2Tokenizer", GPT-2's otherwise (as HF's slow tokenizers hard-code them).
/// </summary>
internal static class VocabMergesFiles
{
    public const string Vocab = "vocab.json";
    public const string Merges = "merges.txt";
    public const string AddedTokens = "added_tokens.json";
    public const string Config = "tokenizer_config.json";

    public static BpeDefinition Read(string folder)
    {
        var vocabFile = Path.Combine(folder, Vocab);
        Dictionary<string, int> vocab;
        using (var document = JsonObjectFile.ParseObject(TokenizerLoader.ReadBytes(vocabFile), vocabFile))
        {
            vocab = TokenizerModelJson.ReadVocab(new FieldReader(vocabFile), document.RootElement, "vocab");
        }

        var merges = ReadMerges(Path.Combine(folder, Merges), vocab);
        var added = ReadAddedTokens(Path.Combine(folder, AddedTokens), vocab);
        var pattern = TokenizerClass(Path.Combine(folder, Config)) == "Qwen2Tokenizer"
            ? BpeDefinition.Qwen2Pattern
            : BpeDefinition.Gpt2Pattern;
        return new BpeDefinition(vocab, merges, added, pattern, null, null, vocabFile);
    }

    private static List<(string, string)> ReadMerges(string file, Dictionary<string, int> vocab)
    {
        var text = System.Text.Encoding.UTF8.GetString(TokenizerLoader.ReadBytes(file));
        var merges = new List<(string, string)>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            if (line.Length == 0 || (n == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 2)
            {
                throw new ModelException(file, $"line {n + 1}", $"'{line}' is not \"left right\"");
            }

            BpeDefinition.CheckMerge(vocab, parts[0], parts[1], file, $"line {n + 1}");
            merges.Add((parts[0], parts[1]));
        }

        return merges;
    }

    private static List<AddedToken> ReadAddedTokens(string file, Dictionary<string, int> vocab)
    {
        var added = new List<AddedToken>();
        if (!File.Exists(file))
        {
            return added;
        }

        using (var document = JsonObjectFile.ParseObject(TokenizerLoader.ReadBytes(file), file))
        {
            var reader = new FieldReader(file);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                added.Add(new AddedToken(reader.Id(entry.Value, null, entry.Name), entry.Name));
            }
        }

        BpeDefinition.CheckAddedTokens(vocab, added, file, i => added[i].Content);
        return added;
    }

    private static string? TokenizerClass(string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        using var document = JsonObjectFile.ParseObject(TokenizerLoader.ReadBytes(file), file);
        return document.RootElement.TryGetProperty("tokenizer_class", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()
            : null;
    }
}
