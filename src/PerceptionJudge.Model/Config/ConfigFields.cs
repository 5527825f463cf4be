using System.Text.Json;

namespace PerceptionJudge.Model.Config;

/// <summary>
/// Typed reads of one config.json object's fields; errors name <c>prefix + field</c>. With a
/// <paramref name="nested"/> object (HF <c>text_config</c>), a field is read there when present and from
/// <paramref name="obj"/> otherwise, and errors name where it was found (<c>text_config.hidden_size</c>).
/// </summary>
internal readonly struct ConfigFields(
    string source, JsonElement obj, string prefix, JsonElement? nested = null, string nestedPrefix = "")
{
    public int Int(string name) =>
        OptionalInt(name) ?? throw new ModelException(source, Where(name), "is missing");

    public int? OptionalInt(string name) => Get(name) is { } v
        ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i
            : throw new ModelException(source, Where(name), "must be an integer")
        : null;

    public double? OptionalDouble(string name) => Get(name) is { } v
        ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(name, "a number")
        : null;

    public bool? OptionalBool(string name) => Get(name) is { } v
        ? v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean()
            : throw Bad(name, "true or false")
        : null;

    public string? OptionalString(string name) => Get(name) is { } v
        ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(name, "a string")
        : null;

    /// <summary>The field's value (null when absent or JSON null).</summary>
    public JsonElement? Get(string name) =>
        Find(nested, name) ?? Find(obj, name);

    /// <summary>The field's name as errors give it: under the nested object when it is there.</summary>
    public string Where(string name) => Find(nested, name) is not null ? nestedPrefix + name : prefix + name;

    private static JsonElement? Find(JsonElement? o, string name) =>
        o is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var v)
        && v.ValueKind != JsonValueKind.Null
            ? v
            : null;

    private ModelException Bad(string name, string what) => new(source, Where(name), $"must be {what}");
}
