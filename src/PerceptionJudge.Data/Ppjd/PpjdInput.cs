using System.Text.Json;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>Options of an import build (<c>pjudge ppjd build --input/--triples</c>).</summary>
/// <param name="InputPath">The JSONL file, one row a line.</param>
/// <param name="ImageDir">Folder that row image paths are relative to.</param>
/// <param name="Seed">Base seed; row seeds are Derive(seed, line), so a skipped line shifts no other row.</param>
/// <param name="Strict">Fail on the first bad row or unknown field (<see cref="DataException"/> with the line).
/// </param>
public sealed record PpjdImportOptions(string InputPath, string ImageDir, ulong Seed = 20261122, bool Strict = false);

/// <summary>A problem with one input line: a skipped row, or a warning (unknown field) for a kept row.</summary>
/// <param name="Line">1-based line of the input file.</param>
/// <param name="Reason">What is wrong, e.g. "missing field 'question'".</param>
/// <param name="Skipped">True when the row was skipped; false for a warning.</param>
public sealed record PpjdRowIssue(int Line, string Reason, bool Skipped);

/// <summary>A row-level problem; the importer counts it and skips the row (or, with --strict, fails).</summary>
internal sealed class RowException(string reason) : Exception(reason);

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
        if (!_root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            throw new RowException($"missing field '{name}'");
        }

        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            throw new RowException($"field '{name}' must be a non-empty string, got {v.ValueKind}");
        }

        return v.GetString()!;
    }

    /// <summary>The optional <c>boxes</c> field: [x0, y0, x1, y1] pixel boxes (absent or null → empty).</summary>
    public List<(double X0, double Y0, double X1, double Y1)> Boxes(string name)
    {
        var boxes = new List<(double, double, double, double)>();
        if (!_root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return boxes;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new RowException($"field '{name}' must be a list of [x0,y0,x1,y1], got {v.ValueKind}");
        }

        int i = 0;
        foreach (var box in v.EnumerateArray())
        {
            if (box.ValueKind != JsonValueKind.Array || box.GetArrayLength() != 4
                || box.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.Number))
            {
                throw new RowException($"{name}[{i}] must be [x0,y0,x1,y1] numbers");
            }

            var c = box.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            boxes.Add((c[0], c[1], c[2], c[3]));
            i++;
        }

        return boxes;
    }
}
