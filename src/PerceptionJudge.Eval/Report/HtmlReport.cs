using System.Globalization;
using System.Text;
using PerceptionJudge.Eval.Input;
using PerceptionJudge.Eval.Output;

namespace PerceptionJudge.Eval.Report;

/// <summary>
/// A self-contained HTML page: inline CSS and SVG, images as data URIs; no scripts, no network references. The page is
/// also well-formed XML (void elements self-closed, all text escaped by <see cref="Html.Text"/>). It is written
/// atomically: to a temporary file beside the target, then renamed over it.
/// </summary>
public static class HtmlReport
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Renders <paramref name="input"/> and writes it to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ReportInput input)
    {
        string html = Render(input);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, html, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The page as a string.</summary>
    public static string Render(ReportInput input)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>")
            .Append(Html.Text(input.Title)).Append("</title><style>").Append(Css).Append("</style></head><body>")
            .Append("<h1>").Append(Html.Text(input.Title)).Append("</h1>");
        if (input.MetricsPath is { } metricsPath)
        {
            Training(sb, TrainingLog.Read(metricsPath));
        }

        if (input.Before is not null || input.After is not null)
        {
            EvalTable(sb, input.Before, input.After);
        }

        if (input.Examples is { Count: > 0 } examples)
        {
            sb.Append("<h2>Example judgments</h2>");
            foreach (var e in examples)
            {
                Example(sb, e);
            }
        }

        return sb.Append("</body></html>\n").ToString();
    }

    private static void Training(StringBuilder sb, TrainingLog log)
    {
        sb.Append("<h2>Training</h2><p class=\"legend\"><span style=\"color:").Append(Svg.PhaseColor("sft"))
            .Append("\">■ sft</span> <span style=\"color:").Append(Svg.PhaseColor("rl"))
            .Append("\">■ rl</span> (gaps: missing or NaN values)</p><div class=\"plots\">");
        foreach (var key in TrainingLog.CurveKeys.Where(log.Has))
        {
            var points = log.Records
                .Select(r => (r.Step, r.Phase, r.Values.TryGetValue(key, out double v) ? v : double.NaN))
                .ToArray();
            sb.Append(Svg.LinePlot(key, points));
        }

        var timeKeys = TrainingLog.TimeKeys.Where(log.Has).ToArray();
        if (timeKeys.Length > 0)
        {
            var phases = new[] { "sft", "rl" }.Where(p => log.Records.Any(r => r.Phase == p)).ToArray();
            double Seconds(string phase, string key) => log.Records
                .Where(r => r.Phase == phase && r.Values.TryGetValue(key, out double v) && double.IsFinite(v))
                .Sum(r => r.Values[key]);
            sb.Append(Svg.StackedBars(phases, timeKeys, Seconds));
        }

        sb.Append("</div>");
    }

    private static void EvalTable(StringBuilder sb, EvalSummary? before, EvalSummary? after)
    {
        var b = Rows(before);
        var a = Rows(after);
        var names = b.Keys.Concat(a.Keys).Distinct().ToArray();
        sb.Append("<h2>Evaluation</h2><table class=\"eval\"><thead><tr><th>metric</th><th>before</th><th>after</th>")
            .Append("<th>Δ (after − before)</th></tr></thead><tbody>");
        foreach (var name in names)
        {
            b.TryGetValue(name, out var vb);
            a.TryGetValue(name, out var va);
            double delta = vb is not null && va is not null ? va.Mean - vb.Mean : double.NaN;
            string cls = !double.IsFinite(delta) || delta == 0 || name.EndsWith(".count", StringComparison.Ordinal)
                ? ""
                : (delta < 0) == EvalResult.LowerIsBetter(name) ? " class=\"better\"" : " class=\"worse\"";
            sb.Append("<tr><td>").Append(Html.Text(name)).Append("</td><td>").Append(Cell(vb)).Append("</td><td>")
                .Append(Cell(va)).Append("</td><td").Append(cls).Append('>')
                .Append(double.IsFinite(delta)
                    ? delta.ToString("+0.0000;-0.0000;0", CultureInfo.InvariantCulture)
                    : "n/a")
                .Append("</td></tr>");
        }

        sb.Append("</tbody></table>");
    }

    /// <summary>Metric rows of a summary, consistency included as <c>consistency.&lt;task&gt;.*</c>.</summary>
    private static Dictionary<string, MetricStat> Rows(EvalSummary? s)
    {
        var rows = new Dictionary<string, MetricStat>(StringComparer.Ordinal);
        if (s is null)
        {
            return rows;
        }

        foreach (var m in s.Metrics)
        {
            rows[m.Name] = m;
        }

        foreach (var (task, c) in s.Consistency)
        {
            string prefix = $"consistency.{MllmJudgeReader.TaskName(task)}";
            rows[$"{prefix}.agreement"] = new MetricStat($"{prefix}.agreement", c.Agreement, double.NaN, s.Seeds.Count);
            rows[$"{prefix}.exact_match"] = new MetricStat($"{prefix}.exact_match", c.ExactMatch, double.NaN,
                s.Seeds.Count);
        }

        return rows;
    }

    private static string Cell(MetricStat? m) => m is null
        ? "—"
        : double.IsFinite(m.Std)
            ? $"{SummaryTable.Format(m.Mean)} ± {SummaryTable.Format(m.Std)}"
            : SummaryTable.Format(m.Mean);

    private static void Example(StringBuilder sb, ExampleJudgment e)
    {
        sb.Append("<div class=\"example\"><h3>").Append(Html.Text(e.Id)).Append("</h3>");
        if (e.ImagePng is { } png)
        {
            if (!png.AsSpan().StartsWith(PngSignature))
            {
                throw new EvalException($"example '{e.Id}'", "the image bytes are not a PNG (no PNG signature)");
            }

            sb.Append("<img alt=\"").Append(Html.Text(e.Id)).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(png)).Append("\"/>");
        }

        sb.Append("<p><b>Question:</b> ").Append(Html.Text(e.Question)).Append("</p><ol type=\"A\">");
        foreach (var r in e.Responses)
        {
            sb.Append("<li><pre>").Append(Html.Text(r)).Append("</pre></li>");
        }

        sb.Append("</ol><p><b>Truth:</b> ").Append(Html.Text(e.Truth)).Append(" · <b>Reward:</b> ")
            .Append(SummaryTable.Format(e.Reward)).Append("</p><p><b>Judge:</b></p><pre class=\"gen\">")
            .Append(Html.Text(e.Generation)).Append("</pre></div>");
    }

    private const string Css =
        "body{font-family:sans-serif;margin:1.5em;max-width:1100px}svg{margin:4px;background:#fafafa;"
        + "border:1px solid #ddd}svg text{font-size:11px;font-family:sans-serif}svg .title{font-weight:bold}"
        + "table.eval{border-collapse:collapse}table.eval td,table.eval th{border:1px solid #ccc;padding:3px 8px;"
        + "text-align:right}table.eval td:first-child{text-align:left}.better{color:#1a7f37}.worse{color:#c0392b}"
        + ".example{border:1px solid #ddd;padding:.6em;margin:.8em 0}.example img{max-width:320px}"
        + "pre{white-space:pre-wrap;margin:.2em 0}pre.gen{background:#f4f4f4;padding:.4em}";
}
