namespace PerceptionJudge.Cli.Model;

/// <summary>
/// The rows of <c>pjudge model compare</c>, printed with every column padded to its widest cell; a row's last cell
/// is never padded and does not widen its column, so short rows (a mismatch, a name in one file) carry free text.
/// </summary>
internal sealed class CompareTable
{
    private readonly List<string[]> _rows =
    [
        ["status", "tensor", "dtype", "shape", "max|a-b|", "max rel", "over", "first over: flat [index]: a b"],
    ];

    /// <summary>Appends one row of cells.</summary>
    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>Writes the rows, one line each, columns two spaces apart.</summary>
    public void WriteTo(TextWriter writer)
    {
        var columns = _rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var row in _rows)
        {
            for (var c = 0; c < row.Length - 1; c++)
            {
                widths[c] = System.Math.Max(widths[c], row[c].Length);
            }
        }
        foreach (var row in _rows)
        {
            var padded = row.Select((cell, c) => c < row.Length - 1 ? cell.PadRight(widths[c]) : cell);
            writer.WriteLine(string.Join("  ", padded));
        }
    }
}
