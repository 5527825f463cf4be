using System.Text;

namespace PerceptionJudge.Eval.Report;

/// <summary>
/// A self-contained HTML page: inline CSS and SVG, images as data URIs; no scripts, no network references. The page is
/// also well-formed XML (void elements self-closed, all text escaped by <see cref="Html.Text"/>). It is written
/// atomically: to a temporary file beside the target, then renamed over it.
/// </summary>
public static class HtmlReport
{
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
            TrainingSection.Append(sb, TrainingLog.Read(metricsPath));
        }

        if (input.Before is not null || input.After is not null)
        {
            EvalSection.Append(sb, input.Before, input.After);
        }

        if (input.Examples is { Count: > 0 } examples)
        {
            ExampleSection.Append(sb, examples, input.ExamplesNote);
        }

        return sb.Append("</body></html>\n").ToString();
    }

    private const string Css =
        "body{font-family:sans-serif;margin:1.5em;max-width:1100px}svg{margin:4px;background:#fafafa;"
        + "border:1px solid #ddd}svg text{font-size:11px;font-family:sans-serif}svg .title{font-weight:bold}"
        + "svg .note{fill:#777;font-size:10px}svg .axis-title{fill:#333}svg .tick{fill:#555;font-size:10px}"
        + "table.eval{border-collapse:collapse}table.eval td,table.eval th{border:1px solid #ccc;padding:3px 8px;"
        + "text-align:right}table.eval td:first-child{text-align:left}.better{color:#1a7f37}.worse{color:#c0392b}"
        + "ul.notes{color:#555;font-size:.9em}.legend,.caption{color:#555}"
        + ".example{border:1px solid #ddd;padding:.6em;margin:.8em 0}.example .record{display:flex;gap:1em}"
        + ".example img{width:192px;height:auto;image-rendering:pixelated;align-self:flex-start}"
        + "table.judges{width:100%;table-layout:fixed;border-collapse:collapse}table.judges th{text-align:left}"
        + "table.judges td{vertical-align:top;padding:0 .4em 0 0}"
        + "pre{white-space:pre-wrap;margin:.2em 0}pre.gen{background:#f4f4f4;padding:.4em}";
}
