using System.Text.Json;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>Options of an import build (<c>pjudge ppjd build --input/--triples</c>).</summary>
/// <param name="InputPath">The JSONL file, one row a line.</param>
/// <param name="ImageDir">Folder that row image paths are relative to.</param>
/// <param name="Seed">Base seed; row seeds are Derive(seed, line), so a skipped line shifts no other row.</param>
/// <param name="Strict">Fail on the first bad row or unknown field (<see cref="DataException"/> with the line).
/// </param>
/// <param name="BoxFormat">How box numbers are read when a row has no <c>box_format</c> of its own.</param>
public sealed record PpjdImportOptions(string InputPath, string ImageDir, ulong Seed = 20261122, bool Strict = false,
    BoxFormat BoxFormat = BoxFormat.Xyxy);

/// <summary>A problem with one input line: a skipped row, or a warning (unknown field) for a kept row.</summary>
/// <param name="Line">1-based line of the input file.</param>
/// <param name="Reason">What is wrong, e.g. "missing field 'question'".</param>
/// <param name="Skipped">True when the row was skipped; false for a warning.</param>
/// <param name="Category">The kind of reason, counted in dataset.json <c>skipped_by_reason</c>, e.g. "bad box".
/// </param>
public sealed record PpjdRowIssue(int Line, string Reason, bool Skipped, string Category = "");

/// <summary>
/// A row-level problem; the importer counts it under its <see cref="Category"/> and skips the row (or, with
/// --strict, fails).
/// </summary>
internal sealed class RowException(string category, string reason) : Exception(reason)
{
    public const string BadJson = "bad JSON";
    public const string BadField = "missing or ill-typed field";
    public const string ImageNotFound = "image not found";
    public const string UnreadableImage = "unreadable image";
    public const string BadBox = "bad box";
    public const string NotEditable = "no answer-changing edit for the question";
    public const string NoRoom = "no room for the edit";

    /// <summary>One of the constants above.</summary>
    public string Category { get; } = category;
}

/// <summary>One parsed JSONL line with typed field access; access failures are <see cref="RowException"/>s.
/// </summary>
internal sealed class InputRow
{
    private readonly JsonElement _root;

    private InputRow(int line, JsonElement root)
    {
        Line = line;
        _root = root;
    }

    public int Line { get; }

    /// <summary>Streams the non-blank lines of <paramref name="path"/>; a line that is not a JSON object is a
    /// (line, error) pair instead of a row.</summary>
    public static IEnumerable<(int Line, InputRow? Row, string? Error)> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataException(path, "input file not found");
        }

        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonElement root;
            string? error = null;
            try
            {
                using var doc = JsonDocument.Parse(text);
                root = doc.RootElement.Clone();
                if (root.ValueKind != JsonValueKind.Object)
                {
                    error = $"bad JSON: expected an object, got {root.ValueKind}";
                }
            }
            catch (JsonException e)
            {
                root = default;
                error = $"bad JSON: {e.Message}";
            }

            yield return error is null ? (line, new InputRow(line, root), null) : (line, null, error);
        }
    }

    /// <summary>Names of fields not in <paramref name="known"/>, in file order.</summary>
    public IEnumerable<string> UnknownFields(IReadOnlyCollection<string> known) =>
        _root.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n));

    /// <summary>A required non-empty string field.</summary>
    public string String(string name)
    {
        return OptionalString(name) ?? throw new RowException(RowException.BadField, $"missing field '{name}'");
    }

    /// <summary>An optional non-empty string field (absent or null → null).</summary>
    public string? OptionalString(string name)
    {
        if (!_root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            throw new RowException(RowException.BadField,
                $"field '{name}' must be a non-empty string, got {v.ValueKind}");
        }

        return v.GetString()!;
    }

    /// <summary>The optional boxes field, unconverted (<see cref="RowBoxes.Read"/>; absent or null → empty).
    /// </summary>
    public List<(double[] Numbers, string? Label)> Boxes(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? RowBoxes.Read(v, name) : [];
}
