using System.Text;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Fuzz.Targets;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Fuzz;

/// <summary>
/// The generated part of the seed corpus (files named <c>generated-*</c>): what our own writers produce, so each
/// target starts from a valid input of its format. The other seeds are written by hand to reach the edges (a header
/// declaring 2^60 bytes, boxes outside the image, a YAML list). It also writes the one-pair PPJD the manifest target
/// validates against (<c>fixtures/ppjd-one-pair</c>, beside the corpus). Regenerate with
/// <c>PerceptionJudge.Fuzz write-seeds tests/PerceptionJudge.Fuzz/corpus</c>.
/// </summary>
public static class SeedCorpus
{
    /// <summary>Writes every generated seed under <paramref name="root"/>/TARGET/.</summary>
    public static void Write(string root)
    {
        Save(root, "safetensors", "generated-two-tensors.safetensors", new SafetensorsWriter()
            .AddMetadata("format", "pt")
            .Add("w", new float[] { 1f, -2f, 3f, 0.5f }, 2, 2)
            .Add("b", SafetensorsDType.U8, new byte[] { 7, 8, 9 }, 3)
            .ToArray());
        Save(root, "safetensors-index", "generated-index.json", Encoding.UTF8.GetBytes(
            "{\"metadata\": {\"total_size\": 11}, \"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"a.safetensors\"}}"));
        // The manifest target's folder (fixtures/ppjd-one-pair) and its seed: the same one-pair synthetic build.
        string ppjd = Path.Combine(root, "..", "fixtures", "ppjd-one-pair");
        if (Directory.Exists(ppjd))
        {
            Directory.Delete(ppjd, recursive: true);
        }
        PpjdBuilder.BuildSynthetic(ppjd, 1, PpjdTargets.ManifestSeed, imageSize: 32);
        Save(root, "ppjd-manifest", "generated-one-pair.jsonl", File.ReadAllBytes(Path.Combine(ppjd, "manifest.jsonl")));
        Save(root, "tokenizer", "generated-tiny.json", Encoding.UTF8.GetBytes(TinyVocabulary.Create().ToJson()));
        Save(root, "adapter-config", "generated-lora.json", Encoding.UTF8.GetBytes(PeftConfigJson.ToJson(new LoraConfig
        {
            R = 32,
            LoraAlpha = 32,
            TargetModules = ModulePattern.Of("q_proj", "v_proj"),
            ExcludeModules = ModulePattern.Regex(".*visual.*"),
        })));
        Save(root, "model-config", "generated-tiny.json", Encoding.UTF8.GetBytes(ModelConfigJson.ToJson(ModelConfig.Tiny)));
        Save(root, "train-config", "generated-defaults.json", Encoding.UTF8.GetBytes(ConfigPrinter.ToJson(new TrainConfig())));
    }

    private static void Save(string root, string target, string name, byte[] bytes)
    {
        string dir = Path.Combine(root, target);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }
}
