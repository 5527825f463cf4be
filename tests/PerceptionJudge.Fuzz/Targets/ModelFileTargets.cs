using System.Text;
using PerceptionJudge.Model;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Fuzz.Targets;

/// <summary>
/// The small JSON files that come with downloaded weights: <c>tokenizer.json</c> (its BPE vocab and merges, then
/// encoding and decoding with it), <c>adapter_config.json</c> (PEFT LoRA) and the HF <c>config.json</c>.
/// </summary>
public static class ModelFileTargets
{
    private static readonly string[] s_tokens =
    [
        "\"model\"", "\"type\"", "\"BPE\"", "\"vocab\"", "\"merges\"", "\"added_tokens\"", "\"special\"", "\"content\"",
        "\"id\"", "\"pre_tokenizer\"", "\"ByteLevel\"", "\"normalizer\"", "\"NFC\"", "\"r\"", "\"lora_alpha\"",
        "\"target_modules\"", "\"peft_type\"", "\"LORA\"", "\"hidden_size\"", "\"num_attention_heads\"",
        "\"num_key_value_heads\"", "\"intermediate_size\"", "\"vocab_size\"", "\"num_hidden_layers\"",
        "\"rope_theta\"", "\"model_type\"", "\"qwen2\"", "\"<|im_end|>\"", "2147483647", "-1", "1e309", "null",
        "[]", "{}", "\"\\u0120\"",
    ];

    // Text the fuzzed tokenizer must encode and decode: ASCII, the byte-level space, a special token, non-ASCII.
    private const string Sample = "a red star, 2 blue circles. <|im_end|> ünïcödé 你好 \u0120\u0120 <answer>3</answer>";

    private static readonly Scratch s_tokenizer = new("tokenizer");

    private static readonly string[] s_modulePaths =
    [
        "model.layers.0.self_attn.q_proj", "model.layers.11.mlp.down_proj", "visual.blocks.0.attn.qkv", "lm_head",
        new string('a', 64) + "." + new string('a', 64),
    ];

    /// <summary>The targets of this family.</summary>
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "tokenizer", "tokenizer.json: TokenizerLoader.For, then Encode and Decode of a fixed text and every id",
            Tokenize, [typeof(ModelException)], s_tokens);
        yield return new FuzzTarget(
            "adapter-config", "adapter_config.json: PeftConfigJson.Parse, its ToJson round trip, module matching",
            Adapter, [typeof(ModelException)], s_tokens);
        yield return new FuzzTarget(
            "model-config", "HF config.json: ModelConfigJson.Parse and its ToJson round trip",
            input => ModelConfigJson.Parse(ModelConfigJson.ToJson(ModelConfigJson.Parse(Text(input)))),
            [typeof(ModelException)], s_tokens);
    }

    /// <summary>The input as UTF-8 text (invalid bytes become U+FFFD, as File.ReadAllText reads them).</summary>
    public static string Text(byte[] input) => Encoding.UTF8.GetString(input);

    private static void Adapter(byte[] input)
    {
        var config = PeftConfigJson.Parse(PeftConfigJson.ToJson(PeftConfigJson.Parse(Text(input))));
        int matched = 0;
        foreach (var pattern in new[] { config.TargetModules, config.ExcludeModules })
        {
            if (pattern is { IsAllLinear: false })
            {
                // As LoraModel applies the patterns to the model's Linear layers.
                matched += s_modulePaths.Count(pattern.Matches);
            }
        }
        GC.KeepAlive(matched);
    }

    private static void Tokenize(byte[] input)
    {
        var tokenizer = TokenizerLoader.For(s_tokenizer.Write("tokenizer.json", input));
        int[] ids = tokenizer.Encode(Sample);
        string round = tokenizer.Decode(ids);
        int[] all = Enumerable.Range(0, Math.Min(tokenizer.VocabSize, 4096)).ToArray();
        string every = tokenizer.Decode(all, skipSpecialTokens: false, skipUnknownIds: true);
        GC.KeepAlive((round, every, tokenizer.TokenToId("<|im_end|>"), tokenizer.IdToToken(0)));
    }
}
