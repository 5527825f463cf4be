using System.Text.Json;
using System.Text.Json.Serialization;

namespace PerceptionJudge.Cli.Json;

/// <summary>
/// Reads one JSON number. NaN and infinities may arrive as the strings "NaN", "Infinity", "-Infinity"
/// (what Python's json module and System.Text.Json's named literals produce); they are accepted as numbers so
/// the kernels, which check finiteness at their entry, report them with the field and row.
/// </summary>
internal static class JsonNumbers
{
    private static readonly JsonSerializerOptions s_named = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The number in <paramref name="element"/>; false for anything but a number or named literal.</summary>
    public static bool TryGetDouble(JsonElement element, out double value)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out value))
                {
                    // Valid JSON beyond double range (1e400): an infinity, which the finiteness checks report.
                    value = element.GetRawText().StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
                }

                return true;
            case JsonValueKind.String:
                try
                {
                    value = element.Deserialize<double>(s_named);
                    return true;
                }
                catch (JsonException)
                {
                    value = 0;
                    return false;
                }

            default:
                value = 0;
                return false;
        }
    }

    /// <summary>
    /// The number as a float, parsed directly (no double rounding, so a float written in shortest round-trip
    /// form reads back bit-exactly); a value beyond float range becomes an infinity for the kernels to report.
    /// </summary>
    public static bool TryGetSingle(JsonElement element, out float value)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetSingle(out value))
        {
            return true;
        }

        bool ok = TryGetDouble(element, out double wide);
        value = (float)wide;
        return ok;
    }

    /// <summary>A short name of the JSON type, for error messages.</summary>
    public static string KindName(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Clip(element.GetString() ?? "")}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Clip(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
