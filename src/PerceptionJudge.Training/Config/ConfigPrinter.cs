using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PerceptionJudge.Training.Config;

/// <summary>
/// The fully resolved config, every default included: as JSON with snake_case keys (the run folder's config.json,
/// loadable by <see cref="ConfigLoader.FromJson"/>) and as flat <c>key = value</c> lines printed at the start of a
/// run (each a valid override for <see cref="ConfigLoader.ApplyOverride"/>). Both round-trip to an equal config.
/// </summary>
public static class ConfigPrinter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The config as indented JSON, sections nested, keys in declaration order.</summary>
    public static string ToJson(TrainConfig config)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            WriteSection(writer, config);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>One <c>section.key = value</c> line per setting; strings and list items JSON-quoted.</summary>
    public static IReadOnlyList<string> ToFlat(TrainConfig config)
    {
        var lines = new List<string>();
        AddFlat(lines, config, "");
        return lines;
    }

    private static void WriteSection(Utf8JsonWriter writer, object section)
    {
        writer.WriteStartObject();
        foreach ((string key, PropertyInfo property, bool isSection) in ConfigBinder.Settings(section.GetType()))
        {
            object value = property.GetValue(section)!;
            writer.WritePropertyName(key);
            if (isSection)
            {
                WriteSection(writer, value);
            }
            else
            {
                WriteLeaf(writer, value);
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteLeaf(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case ulong u:
                writer.WriteNumberValue(u);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case IReadOnlyList<string> list:
                writer.WriteStartArray();
                foreach (string item in list)
                {
                    writer.WriteStringValue(item);
                }
                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"config value of unsupported type {value.GetType()}");
        }
    }

    private static void AddFlat(List<string> lines, object section, string prefix)
    {
        foreach ((string key, PropertyInfo property, bool isSection) in ConfigBinder.Settings(section.GetType()))
        {
            object value = property.GetValue(section)!;
            if (isSection)
            {
                AddFlat(lines, value, prefix + key + ".");
            }
            else
            {
                lines.Add($"{prefix}{key} = {FlatValue(value)}");
            }
        }
    }

    private static string FlatValue(object value) => value switch
    {
        string s => Quote(s),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IReadOnlyList<string> list => "[" + string.Join(", ", list.Select(Quote)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Quote(string s) => JsonSerializer.Serialize(s, s_quoteOptions);

    private static readonly JsonSerializerOptions s_quoteOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
