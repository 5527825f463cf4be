using System.Globalization;
using System.Net;
using System.Text;

namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// <c>pjudge bench history</c>: one self-contained HTML page with an inline SVG trend per benchmark id over stored
/// runs (oldest left). The plotted value is the gate's unit: the median time over the in-run reference (triad or
/// FMA peak) in <see cref="GateMode.Ratio"/>, the median milliseconds in <see cref="GateMode.Time"/>.
/// </summary>
public static class HistoryReport
{
    private const int Width = 420, Height = 110, Pad = 28;

    /// <summary>Loads every <c>*-report-full.json</c> under <paramref name="folders"/> (recursively).</summary>
    public static IReadOnlyList<(string Path, BenchRun Run)> LoadRuns(IEnumerable<string> folders) =>
        [.. folders.Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*-report-full.json", SearchOption.AllDirectories))
            .Select(p => (Path: p, Run: BenchRun.Load(p)))
            .OrderBy(r => r.Run.Date ?? File.GetLastWriteTimeUtc(r.Path))];

    /// <summary>The points per id: (run label, value) in run order; ids containing <paramref name="filter"/>.</summary>
    public static SortedDictionary<string, List<(string Run, double Value)>> Series(
        IReadOnlyList<(string Path, BenchRun Run)> runs, GateMode mode, string? filter = null)
    {
        var series = new SortedDictionary<string, List<(string, double)>>(StringComparer.Ordinal);
        foreach (var (path, run) in runs)
        {
            string label = run.Date?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
                ?? Path.GetFileNameWithoutExtension(path);
            foreach (var c in run.Cases)
            {
                if (filter is not null && !c.Id.Contains(filter, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                double? value = mode == GateMode.Time
                    ? c.Median / 1e6
                    : BenchComparer.ReferenceOf(run, c) is { } r ? c.Median / r.Median : null;
                if (value is double v)
                {
                    if (!series.TryGetValue(c.Id, out var list))
                    {
                        series[c.Id] = list = [];
                    }

                    list.Add((label, v));
                }
            }
        }

        return series;
    }

    /// <summary>The HTML page.</summary>
    public static string Render(IReadOnlyList<(string Path, BenchRun Run)> runs, GateMode mode, string? filter = null)
    {
        var series = Series(runs, mode, filter);
        string unit = mode == GateMode.Time ? "median ms" : "median time / in-run roof (lower is better)";
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pjudge bench history</title>\n")
          .Append("<style>body{font-family:sans-serif;margin:1em}div.c{display:inline-block;margin:6px;")
          .Append("vertical-align:top}p.t{font-size:12px;margin:0;max-width:420px;word-break:break-all}</style>")
          .Append("</head><body>\n")
          .Append(CultureInfo.InvariantCulture,
              $"<h1>Benchmark history</h1><p>{runs.Count} runs; y: {WebUtility.HtmlEncode(unit)}.</p>\n");
        foreach (var (id, points) in series)
        {
            sb.Append("<div class=\"c\"><p class=\"t\">").Append(WebUtility.HtmlEncode(id)).Append("</p>")
              .Append(Svg(points)).Append("</div>\n");
        }

        return sb.Append("</body></html>\n").ToString();
    }

    private static string Svg(List<(string Run, double Value)> points)
    {
        double lo = points.Min(p => p.Value), hi = points.Max(p => p.Value);
        if (hi - lo < 1e-12)
        {
            (lo, hi) = (lo * 0.95, hi * 1.05 + 1e-12);
        }

        double X(int i) => Pad + (points.Count == 1 ? 0.5 : (double)i / (points.Count - 1)) * (Width - 2 * Pad);
        double Y(double v) => Height - Pad / 2 - (v - lo) / (hi - lo) * (Height - Pad);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\">")
          .Append(inv, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#fafafa\" stroke=\"#ccc\"/>")
          .Append(inv, $"<text x=\"2\" y=\"12\" font-size=\"10\">{hi:G4}</text>")
          .Append(inv, $"<text x=\"2\" y=\"{Height - 4}\" font-size=\"10\">{lo:G4}</text>")
          .Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"")
          .AppendJoin(' ', points.Select((p, i) => string.Format(inv, "{0:0.#},{1:0.#}", X(i), Y(p.Value))))
          .Append("\"/>");
        for (int i = 0; i < points.Count; i++)
        {
            sb.Append(inv, $"<circle cx=\"{X(i):0.#}\" cy=\"{Y(points[i].Value):0.#}\" r=\"2.5\" fill=\"#1f77b4\">")
              .Append(inv, $"<title>{WebUtility.HtmlEncode(points[i].Run)}: {points[i].Value:G4}</title></circle>");
        }

        return sb.Append("</svg>").ToString();
    }
}
