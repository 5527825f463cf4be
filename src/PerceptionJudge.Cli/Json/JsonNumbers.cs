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

    private static readonly string[] s_bareLiterals = ["-Infinity", "Infinity", "NaN"];

    /// <summary>
    /// Python's <c>json.dumps</c> writes non-finite floats as the bare words <c>NaN</c>, <c>Infinity</c> and
    /// <c>-Infinity</c>, which JSON does not allow; this quotes each one found outside a string (where valid JSON
    /// has no other words but true, false and null), so it reads as the named literal. Lines and other text are
    /// kept as they are, so parse errors still point at the right line.
    /// </summary>
    public static string QuoteNamedLiterals(string json)
    {
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal))
        {
            return json;
        }

        var output = new System.Text.StringBuilder(json.Length + 16);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                inString = c != '"';
                if (c == '\\' && i + 1 < json.Length)
                {
                    output.Append(c);
                    c = json[++i];
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (BareLiteralAt(json, i) is string word)
            {
                output.Append('"').Append(word).Append('"');
                i += word.Length - 1;
                continue;
            }

            output.Append(c);
        }

        return output.ToString();
    }

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

    private static string? BareLiteralAt(string json, int i)
    {
        foreach (string word in s_bareLiterals)
        {
            int end = i + word.Length;
            if (string.CompareOrdinal(json, i, word, 0, word.Length) == 0
                && (end == json.Length || !char.IsAsciiLetterOrDigit(json[end])))
            {
                return word;
            }
        }

        return null;
    }

    private static string Clip(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
