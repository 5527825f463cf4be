using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PerceptionJudge.Cli.Json;

/// <summary>
/// Builds op outputs as JSON. Floats print in their shortest round-trip form; a non-finite output is written as
/// the string "NaN"/"Infinity"/"-Infinity" (the same named literals the reader accepts) instead of failing.
/// </summary>
internal static class JsonOutput
{
    // Output is data for people and scripts, not HTML: keep ' and + readable instead of \u0027.
    private static readonly JsonSerializerOptions s_compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonNode Number(float value) =>
        float.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(Named(value));

    public static JsonNode Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(Named(value));

    public static JsonNode Number(int value) => JsonValue.Create(value);

    public static JsonArray Vector(ReadOnlySpan<float> values)
    {
        var array = new JsonArray();
        foreach (float v in values)
        {
            array.Add(Number(v));
        }

        return array;
    }

    public static JsonArray Matrix(ReadOnlySpan<float> data, int rows, int cols)
    {
        var array = new JsonArray();
        for (int r = 0; r < rows; r++)
        {
            array.Add(Vector(data.Slice(r * cols, cols)));
        }

        return array;
    }

    /// <summary>One field per line and a matrix one row per line: readable at [B][T] sizes, still JSON.</summary>
    public static string Pretty(JsonObject output)
    {
        var text = new StringBuilder("{\n");
        int field = 0;
        foreach (var (name, value) in output)
        {
            text.Append("  ").Append(JsonSerializer.Serialize(name, s_compact)).Append(": ");
            if (value is JsonArray rows && rows.Count > 0 && rows.All(r => r is JsonArray))
            {
                text.Append("[\n");
                for (int r = 0; r < rows.Count; r++)
                {
                    text.Append("    ").Append(Compact(rows[r])).Append(r + 1 < rows.Count ? ",\n" : "\n");
                }

                text.Append("  ]");
            }
            else
            {
                text.Append(Compact(value));
            }

            text.Append(++field < output.Count ? ",\n" : "\n");
        }

        return text.Append('}').ToString();
    }

    public static string Compact(JsonNode? node) => node is null ? "null" : node.ToJsonString(s_compact);

    private static string Named(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}
