namespace PerceptionJudge.Model.Nn.Loading;

/// <summary>
/// The two layouts Qwen2-VL checkpoints come in. The hub's (and ours, which saving writes): <c>model.*</c> (language
/// model), <c>visual.*</c>, <c>lm_head.*</c>. transformers ≥ 4.52 in memory and in what it saves:
/// <c>model.language_model.*</c>, <c>model.visual.*</c>, <c>lm_head.*</c> (HF
/// <c>Qwen2VLForConditionalGeneration._checkpoint_conversion_mapping</c>, applied here in reverse).
/// </summary>
public static class WeightNames
{
    private const string NewLanguage = "model.language_model.";
    private const string NewVisual = "model.visual.";

    /// <summary>A checkpoint name in the hub layout: <c>model.language_model.X</c> → <c>model.X</c>,
    /// <c>model.visual.X</c> → <c>visual.X</c>; anything else unchanged.</summary>
    public static string ToHubName(string name) =>
        name.StartsWith(NewLanguage, StringComparison.Ordinal) ? "model." + name[NewLanguage.Length..]
        : name.StartsWith(NewVisual, StringComparison.Ordinal) ? "visual." + name[NewVisual.Length..]
        : name;

    /// <summary>
    /// Hub name → checkpoint name for every tensor of <paramref name="checkpointNames"/>. Throws a
    /// <see cref="ModelException"/> naming both tensors when two of them land on one name (a file holding both
    /// layouts).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ToHubNames(IEnumerable<string> checkpointNames, string source)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in checkpointNames)
        {
            var hub = ToHubName(name);
            if (!map.TryAdd(hub, name))
            {
                throw new ModelException(
                    source, name, $"and '{map[hub]}' are the same tensor in two layouts ({hub}); keep one");
            }
        }
        return map;
    }
}
