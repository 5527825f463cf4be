using System.Text;
using System.Text.Json;
using PerceptionJudge.Model;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.Loading;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Cli;

/// <summary>
/// <c>pjudge info --model DIR</c>: what an HF model folder holds, read from config.json and the safetensors headers
/// only (files are memory-mapped, no weights loaded): model_type, parameter count, dtypes, shards, tensors per
/// top-level prefix in the hub layout (<see cref="WeightNames"/>), and for qwen2-family configs whether the language
/// model's tensors have the shapes config.json implies (<see cref="DecoderShapes"/>). Errors name the file.
/// </summary>
internal static class ModelFolderInfo
{
    public static string Describe(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new CliInputException(folder, "no such folder");
        }
        var configFile = Path.Combine(folder, "config.json");
        if (!File.Exists(configFile))
        {
            throw new CliInputException(configFile, "missing; an HF model folder has config.json");
        }
        var modelType = ReadModelType(configFile);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        var infos = checkpoint.Names.Select(checkpoint.Info).ToList();
        var text = new StringBuilder();
        text.AppendLine($"model: {Path.GetFullPath(folder)}");
        text.AppendLine($"model_type: {modelType}");
        text.AppendLine($"parameters: {infos.Sum(t => t.Numel):N0}");
        text.AppendLine($"tensors: {infos.Count}");
        text.AppendLine($"shards: {checkpoint.Shards.Count}");
        text.AppendLine("dtypes:");
        foreach (var g in infos.GroupBy(t => t.DType).OrderByDescending(g => g.Sum(t => t.Numel)))
        {
            text.AppendLine($"  {g.Key}: {g.Count()} tensors, {g.Sum(t => t.Numel):N0} parameters");
        }
        var renamed = infos.Count(t => WeightNames.ToHubName(t.Name) != t.Name);
        text.AppendLine(renamed > 0
            ? $"layout: transformers >= 4.52 ({renamed} tensors under model.language_model.* / model.visual.*)"
            : "layout: hub (model.*, visual.*, lm_head.*)");
        text.AppendLine("prefixes (hub layout):");
        var byPrefix = infos.GroupBy(t => Prefix(WeightNames.ToHubName(t.Name)));
        foreach (var g in byPrefix.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine($"  {g.Key}: {g.Count()} tensors, {g.Sum(t => t.Numel):N0} parameters");
        }
        text.AppendLine($"config shapes: {CheckShapes(configFile, modelType, checkpoint)}");
        return text.ToString();
    }

    private static string ReadModelType(string configFile)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configFile));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("model_type", out var t) && t.ValueKind == JsonValueKind.String
                    ? t.GetString()!
                    : "(none)";
        }
        catch (JsonException e)
        {
            throw new CliInputException(configFile, $"not valid JSON: {e.Message}");
        }
    }

    private static string Prefix(string name)
    {
        var dot = name.IndexOf('.');
        return dot < 0 ? name : name[..dot];
    }

    /// <summary>"match (N tensors)", or the first few problems; "not checked" for types other than the qwen2 family.
    /// </summary>
    private static string CheckShapes(string configFile, string modelType, SafetensorsCheckpoint checkpoint)
    {
        if (modelType is not ("(none)" or "qwen2" or ModelConfig.Qwen2VLType or ModelConfig.Qwen25VLType))
        {
            return $"not checked (model_type {modelType})";
        }
        var config = ModelConfigJson.Load(configFile);
        var stored = WeightNames.ToHubNames(checkpoint.Names, checkpoint.Source);
        var problems = new List<string>();
        var expected = DecoderShapes.Expected(config);
        foreach (var (name, shape) in expected)
        {
            if (!stored.TryGetValue(name, out var storedName))
            {
                problems.Add($"missing {name}");
            }
            else if (!checkpoint.Info(storedName).Shape.AsSpan().SequenceEqual(shape))
            {
                problems.Add($"{storedName} is [{string.Join(", ", checkpoint.Info(storedName).Shape)}], " +
                    $"config.json implies [{string.Join(", ", shape)}]");
            }
        }
        var known = expected.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(stored
            .Where(p => (p.Key.StartsWith("model.", StringComparison.Ordinal)
                    || p.Key.StartsWith("lm_head.", StringComparison.Ordinal))
                && !known.Contains(p.Key) && !ModelWeights.IsIgnorable(p.Key)
                && !(config.TieWordEmbeddings && p.Key == "lm_head.weight"))
            .Select(p => $"unexpected {p.Value}"));
        return problems.Count == 0
            ? $"match ({expected.Count} language-model tensors)"
            : $"MISMATCH ({problems.Count}):{Environment.NewLine}    "
                + string.Join(Environment.NewLine + "    ", problems);
    }
}
