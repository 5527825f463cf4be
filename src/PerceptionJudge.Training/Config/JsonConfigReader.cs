using System.Text;
using System.Text.Json;

namespace PerceptionJudge.Training.Config;

/// <summary>
/// Reads a JSON config into the same <see cref="ConfigNode"/> tree as YAML (<see cref="YamlConfigReader"/>), keeping
/// each key's line (from the reader's byte offset) so unknown keys and wrong types name the line. Comments and
/// trailing commas are allowed; nested arrays and arrays of objects are not (no setting needs them).
/// </summary>
internal static class JsonConfigReader
{
    private static readonly JsonReaderOptions s_options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses <paramref name="text"/>, whose top level must be an object.</summary>
    public static MapNode Parse(string text, ConfigSource source)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int[] lineStarts = LineStarts(utf8);
        var reader = new Utf8JsonReader(utf8, s_options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw source.Error(1, "a config must be a JSON object { ... }");
            }
            MapNode root = ReadObject(ref reader, lineStarts, source);
            if (reader.Read())
            {
                throw source.Error(LineOf(reader, lineStarts), "unexpected content after the top-level object");
            }
            return root;
        }
        catch (JsonException e)
        {
            throw source.Error((int)(e.LineNumber ?? 0) + 1, $"invalid JSON: {e.Message}");
        }
    }

    private static int[] LineStarts(byte[] utf8)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }
        return [.. starts];
    }

    /// <summary>The 1-based line of the reader's current token.</summary>
    private static int LineOf(in Utf8JsonReader reader, int[] lineStarts)
    {
        int index = Array.BinarySearch(lineStarts, (int)reader.TokenStartIndex);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private static MapNode ReadObject(ref Utf8JsonReader reader, int[] lineStarts, ConfigSource source)
    {
        int firstLine = LineOf(reader, lineStarts);
        var entries = new List<MapEntry>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            int line = LineOf(reader, lineStarts);
            string key = reader.GetString()!;
            reader.Read();
            ConfigNode value = reader.TokenType switch
            {
                JsonTokenType.StartObject => ReadObject(ref reader, lineStarts, source),
                JsonTokenType.StartArray => ReadArray(ref reader, lineStarts, source),
                _ => ReadScalar(ref reader, line),
            };
            MapNode.AddUnique(entries, new MapEntry(key, value, line), source);
        }
        return new MapNode(entries, firstLine);
    }

    private static ListNode ReadArray(ref Utf8JsonReader reader, int[] lineStarts, ConfigSource source)
    {
        int firstLine = LineOf(reader, lineStarts);
        var items = new List<ScalarNode>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            int line = LineOf(reader, lineStarts);
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            {
                throw source.Error(line, "list items must be scalars (nested arrays and objects are not settings)");
            }
            items.Add(ReadScalar(ref reader, line));
        }
        return new ListNode(items, firstLine);
    }

    private static ScalarNode ReadScalar(ref Utf8JsonReader reader, int line) => reader.TokenType switch
    {
        JsonTokenType.String => new ScalarNode(reader.GetString()!, ScalarKind.Quoted, line),
        JsonTokenType.Number => new ScalarNode(Encoding.UTF8.GetString(reader.ValueSpan), ScalarKind.Number, line),
        JsonTokenType.True => new ScalarNode("true", ScalarKind.Bool, line),
        JsonTokenType.False => new ScalarNode("false", ScalarKind.Bool, line),
        _ => new ScalarNode("", ScalarKind.Null, line),
    };
}
