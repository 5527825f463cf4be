using System.Text.Json;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Json;

/// <summary>
/// The input object of one math op. Every reader names the field (verl's snake_case parameter name) and, for
/// matrices, the row in its <see cref="CliInputException"/>, so a bad file gives one line the user can act on.
/// </summary>
internal sealed class JsonInput
{
    private readonly JsonElement _root;

    public JsonInput(JsonElement root, string what = "input")
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CliInputException(what, $"expected a JSON object, got {JsonNumbers.KindName(root)}");
        }

        _root = root;
    }

    /// <summary>
    /// Parses <paramref name="json"/>, taking Python's bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>
    /// (<c>json.dumps</c> writes them) as numbers for the kernels to report with field and row; malformed JSON is a
    /// user error on <paramref name="what"/> naming the one-based line, as editors count.
    /// </summary>
    public static JsonInput Parse(string json, string what = "input")
    {
        try
        {
            using var document = JsonDocument.Parse(JsonNumbers.QuoteNamedLiterals(json));
            return new JsonInput(document.RootElement.Clone(), what);
        }
        catch (JsonException e)
        {
            string reason = OneLine(e.Message);
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = (cut < 0 ? reason : reason[..cut]).TrimEnd(' ', '|');
            string where = e.LineNumber is long line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            throw new CliInputException(what, $"invalid JSON: {reason}{where}");
        }
    }

    /// <summary>Field names present in the object, in file order.</summary>
    public IEnumerable<string> FieldNames => _root.EnumerateObject().Select(p => p.Name);

    public bool Has(string field) =>
        _root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>Throws for a field not in <paramref name="known"/> (catches typos such as <c>loss_agg</c>).</summary>
    public void RejectUnknown(IReadOnlyCollection<string> known)
    {
        foreach (string name in FieldNames)
        {
            if (!known.Contains(name))
            {
                throw new CliInputException(name, $"unknown field; valid fields: {string.Join(", ", known)}");
            }
        }
    }

    public JsonElement Element(string field) =>
        Has(field) ? _root.GetProperty(field) : throw new CliInputException(field, "missing required field");

    public string String(string field)
    {
        var e = Element(field);
        return e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new CliInputException(field, $"expected a string, got {JsonNumbers.KindName(e)}");
    }

    public string String(string field, string fallback) => Has(field) ? String(field) : fallback;

    public bool Bool(string field, bool fallback)
    {
        if (!Has(field))
        {
            return fallback;
        }

        var e = Element(field);
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new CliInputException(field, $"expected true or false, got {JsonNumbers.KindName(e)}"),
        };
    }

    /// <summary>A finite scalar hyper-parameter.</summary>
    public double Double(string field)
    {
        var e = Element(field);
        if (!JsonNumbers.TryGetDouble(e, out double value))
        {
            throw new CliInputException(field, $"expected a number, got {JsonNumbers.KindName(e)}");
        }

        return double.IsFinite(value) ? value : throw new CliInputException(field, $"value {value} is not finite");
    }

    public float Float(string field, float fallback) => Has(field) ? (float)Double(field) : fallback;

    public float? OptionalFloat(string field) => Has(field) ? (float)Double(field) : null;

    public int Int(string field, int fallback)
    {
        if (!Has(field))
        {
            return fallback;
        }

        var e = Element(field);
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int value)
            ? value
            : throw new CliInputException(field, $"expected an integer, got {JsonNumbers.KindName(e)}");
    }

    /// <summary>A [B] vector of floats; NaN/Inf pass through for the kernel to report.</summary>
    public float[] FloatVector(string field, int? length = null)
    {
        var array = Array(field);
        int n = array.GetArrayLength();
        if (length is int expected && n != expected)
        {
            throw new CliInputException(field, $"expected {expected} elements, got {n}");
        }

        var result = new float[n];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i] = Single(item, field, i);
            i++;
        }

        return result;
    }

    /// <summary>A [B] vector of doubles; NaN/Inf pass through.</summary>
    public double[] DoubleVector(string field, int? length = null)
    {
        var array = Array(field);
        int n = array.GetArrayLength();
        if (length is int expected && n != expected)
        {
            throw new CliInputException(field, $"expected {expected} elements, got {n}");
        }

        var result = new double[n];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i] = Number(item, field, i);
            i++;
        }

        return result;
    }

    /// <summary>A [B][T] matrix; a ragged row is named (the first whose length differs from row 0).</summary>
    public FloatMatrix Matrix(string field, int? rows = null, int? cols = null)
    {
        var array = Array(field);
        int b = array.GetArrayLength();
        if (rows is int expectedRows && b != expectedRows)
        {
            throw new CliInputException(field, $"expected {expectedRows} rows, got {b}");
        }

        float[] data = [];
        int t = cols ?? -1;
        int row = 0;
        foreach (var line in array.EnumerateArray())
        {
            if (line.ValueKind != JsonValueKind.Array)
            {
                throw new CliInputException(field, $"expected a row array, got {JsonNumbers.KindName(line)}", row);
            }

            int n = line.GetArrayLength();
            if (t < 0)
            {
                t = n;
            }

            if (n != t)
            {
                throw new CliInputException(field, $"row has {n} columns, expected {t}", row);
            }

            if (row == 0)
            {
                data = new float[checked(b * t)];
            }

            int col = 0;
            foreach (var item in line.EnumerateArray())
            {
                data[row * t + col] = Single(item, field, row, col);
                col++;
            }

            row++;
        }

        return new FloatMatrix(data, b, System.Math.Max(t, 0));
    }

    /// <summary>A [rows][cols] integer matrix (token ids), row-major; a bad row is named.</summary>
    public int[] IntMatrix(string field, int rows, int cols)
    {
        var array = Array(field);
        if (array.GetArrayLength() != rows)
        {
            throw new CliInputException(field, $"expected {rows} rows, got {array.GetArrayLength()}");
        }

        var data = new int[rows * cols];
        int row = 0;
        foreach (var line in array.EnumerateArray())
        {
            if (line.ValueKind != JsonValueKind.Array)
            {
                throw new CliInputException(field, $"expected a row array, got {JsonNumbers.KindName(line)}", row);
            }

            if (line.GetArrayLength() != cols)
            {
                throw new CliInputException(field, $"row has {line.GetArrayLength()} columns, expected {cols}", row);
            }

            int col = 0;
            foreach (var item in line.EnumerateArray())
            {
                data[row * cols + col] = item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int v)
                    ? v
                    : throw new CliInputException(
                        field, $"column {col}: expected an integer, got {JsonNumbers.KindName(item)}", row);
                col++;
            }

            row++;
        }

        return data;
    }

    /// <summary>A [B][T][V] tensor (logits); the row named in errors is the outer index b.</summary>
    public FloatTensor3 Tensor3(string field)
    {
        var array = Array(field);
        int b = array.GetArrayLength();
        int t = -1;
        int v = -1;
        var data = new List<float>();
        int row = 0;
        foreach (var plane in array.EnumerateArray())
        {
            if (plane.ValueKind != JsonValueKind.Array)
            {
                throw new CliInputException(field, $"expected a [T][V] array, got {JsonNumbers.KindName(plane)}", row);
            }

            t = t < 0 ? plane.GetArrayLength() : t;
            if (plane.GetArrayLength() != t)
            {
                throw new CliInputException(field, $"has {plane.GetArrayLength()} positions, expected {t}", row);
            }

            int pos = 0;
            foreach (var line in plane.EnumerateArray())
            {
                if (line.ValueKind != JsonValueKind.Array)
                {
                    throw new CliInputException(
                        field, $"position {pos}: expected a vocab array, got {JsonNumbers.KindName(line)}", row);
                }

                v = v < 0 ? line.GetArrayLength() : v;
                if (line.GetArrayLength() != v)
                {
                    throw new CliInputException(
                        field, $"position {pos} has {line.GetArrayLength()} logits, expected {v}", row);
                }

                int col = 0;
                foreach (var item in line.EnumerateArray())
                {
                    data.Add(Single(item, field, row, col));
                    col++;
                }

                pos++;
            }

            row++;
        }

        return new FloatTensor3([.. data], b, System.Math.Max(t, 0), System.Math.Max(v, 0));
    }

    /// <summary>
    /// Group ids of <paramref name="rows"/> rows: all strings or all integers, arbitrary and interleaved
    /// (verl's <c>index</c> / uid), mapped to dense groups in order of first appearance.
    /// </summary>
    public GroupIndex Index(string field, int rows)
    {
        var array = Array(field);
        if (array.GetArrayLength() != rows)
        {
            throw new CliInputException(field, $"expected {rows} ids (one per row), got {array.GetArrayLength()}");
        }

        var keys = new string[rows];
        int i = 0;
        JsonValueKind first = JsonValueKind.Undefined;
        foreach (var item in array.EnumerateArray())
        {
            string key = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString()!,
                JsonValueKind.Number when item.TryGetInt64(out long n) => n.ToString(),
                _ => throw new CliInputException(
                    field, $"expected a string or integer id, got {JsonNumbers.KindName(item)}", i),
            };
            first = first == JsonValueKind.Undefined ? item.ValueKind : first;
            if (item.ValueKind != first)
            {
                throw new CliInputException(field, "ids mix strings and integers", i);
            }

            keys[i++] = key;
        }

        return GroupIndex.FromIds<string>(keys);
    }

    private JsonElement Array(string field)
    {
        var e = Element(field);
        return e.ValueKind == JsonValueKind.Array
            ? e
            : throw new CliInputException(field, $"expected an array, got {JsonNumbers.KindName(e)}");
    }

    private static double Number(JsonElement item, string field, int row, int? col = null)
    {
        if (JsonNumbers.TryGetDouble(item, out double value))
        {
            return value;
        }

        string where = col is int c ? $"column {c}: " : "";
        throw new CliInputException(field, $"{where}expected a number, got {JsonNumbers.KindName(item)}", row);
    }

    /// <summary>Collapses line breaks, tabs and runs of spaces so a message prints as one line.</summary>
    private static float Single(JsonElement item, string field, int row, int? col = null)
    {
        if (JsonNumbers.TryGetSingle(item, out float value))
        {
            return value;
        }

        string where = col is int c ? $"column {c}: " : "";
        throw new CliInputException(field, $"{where}expected a number, got {JsonNumbers.KindName(item)}", row);
    }

    internal static string OneLine(string message) =>
        string.Join(' ', message.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
}
