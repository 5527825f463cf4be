using System.Text.Json;
using System.Text.Json.Serialization;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>JSON conventions of the dataset files: snake_case names (the verl/JSONL boundary), compact lines.</summary>
public static class PpjdJson
{
    /// <summary>Options for manifest lines.</summary>
    public static JsonSerializerOptions Line { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,

        // A manifest line from elsewhere may lack a field or hold null where a record needs a value: refuse it while
        // reading (JsonException, so a DataException with the line) rather than hand on a record that fails later.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Options for dataset.json (indented).</summary>
    public static JsonSerializerOptions Document { get; } = new(Line) { WriteIndented = true };
}
