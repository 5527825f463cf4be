using System.Text.Json;

namespace PerceptionJudge.Model;

/// <summary>The shared front end of our JSON readers (config.json, tokenizer.json, adapter_config.json).</summary>
internal static class JsonObjectFile
{
    /// <summary>
    /// Reads <paramref name="path"/>, or <paramref name="fileName"/> inside it when it is a folder; an I/O error is a
    /// <see cref="ModelException"/> naming the file.
    /// </summary>
    public static (string File, string Json) ReadText(string path, string fileName)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, fileName) : path;
        try
        {
            return (file, File.ReadAllText(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException(file, null, $"cannot read: {e.Message}", e);
        }
    }

    /// <summary>Parses <paramref name="json"/>; invalid JSON or a root that is not an object names the source.</summary>
    public static JsonDocument ParseObject(string json, string source) => CheckObject(Parse(() => JsonDocument.Parse(json), source), source);

    /// <summary>
    /// As <see cref="ParseObject(string, string)"/>, from UTF-8 bytes. Invalid UTF-8 is refused up front:
    /// <see cref="JsonDocument"/> checks it only when a string is read, and then throws InvalidOperationException.
    /// </summary>
    public static JsonDocument ParseObject(byte[] json, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new ModelException(source, null, "not valid UTF-8");
        }
        return CheckObject(Parse(() => JsonDocument.Parse(json), source), source);
    }

    private static JsonDocument Parse(Func<JsonDocument> parse, string source)
    {
        try
        {
            return parse();
        }
        catch (JsonException e)
        {
            throw new ModelException(source, null, $"not valid JSON: {e.Message}", e);
        }
    }

    private static JsonDocument CheckObject(JsonDocument document, string source)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ModelException(source, null, "not a JSON object");
        }
        return document;
    }
}
