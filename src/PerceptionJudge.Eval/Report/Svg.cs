using System.Globalization;
using System.Text;

namespace PerceptionJudge.Eval.Report;

/// <summary>
/// Inline SVG charts for the HTML report: no scripts, no external references, well-formed XML (every text through
/// <see cref="Html.Text"/>). Numbers are written with the invariant culture.
/// </summary>
internal static class Svg
{
    private const int Width = 460, Height = 220, Left = 58, Right = 12, Top = 26, Bottom = 30;

    /// <summary>Colour of each phase's line.</summary>
    public static string PhaseColor(string phase) => phase == "sft" ? "#8a5cc2" : "#1f77b4";

    private static readonly string[] s_stackColors =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>A line plot of one metric over steps: one polyline per run of consecutive finite values of the same
    /// phase (NaN, a missing key or a phase change breaks the line), a dot on every point.</summary>
    public static string LinePlot(string metric, IReadOnlyList<(int Step, string Phase, double Value)> points)
    {
        var finite = points.Where(p => double.IsFinite(p.Value)).ToArray();
        var (x0, x1) = Range(finite.Select(p => (double)p.Step));
        var (y0, y1) = Range(finite.Select(p => p.Value));
        double X(double step) => Left + (step - x0) / (x1 - x0) * (Width - Left - Right);
        double Y(double v) => Height - Bottom - (v - y0) / (y1 - y0) * (Height - Top - Bottom);

        var sb = Open(metric, "plot");
        Axes(sb, metric, N(x0, "0"), N(x1, "0"), N(y0, "G4"), N(y1, "G4"));
        var segment = new List<string>();
        string? phase = null;
        void Flush()
        {
            if (segment.Count > 1)
            {
                sb.Append("<polyline fill=\"none\" stroke=\"").Append(PhaseColor(phase!))
                    .Append("\" stroke-width=\"1.5\" points=\"").AppendJoin(' ', segment).Append("\"/>");
            }

            segment.Clear();
        }

        foreach (var p in points)
        {
            if (!double.IsFinite(p.Value) || p.Phase != phase)
            {
                Flush();
            }

            phase = p.Phase;
            if (double.IsFinite(p.Value))
            {
                string cx = N(X(p.Step), "0.##"), cy = N(Y(p.Value), "0.##");
                segment.Add($"{cx},{cy}");
                sb.Append($"<circle cx=\"{cx}\" cy=\"{cy}\" r=\"1.8\" fill=\"{PhaseColor(p.Phase)}\"/>");
            }
        }

        Flush();
        return sb.Append("</svg>").ToString();
    }

    /// <summary>One stacked bar per phase: the summed seconds of each timing key, with a legend and totals.</summary>
    public static string StackedBars(
        IReadOnlyList<string> phases, IReadOnlyList<string> keys, Func<string, string, double> seconds)
    {
        double max = phases.Max(p => keys.Sum(k => seconds(p, k)));
        max = max > 0 ? max : 1;
        var sb = Open("time split per phase", "timing");
        Axes(sb, "time per phase (s, summed over steps)", "", "", "0", N(max, "G4"));
        double plotWidth = Width - Left - Right - 120, barWidth = plotWidth / phases.Count * 0.6;
        for (int i = 0; i < phases.Count; i++)
        {
            double x = Left + (i + 0.2) * plotWidth / phases.Count, y = Height - Bottom, total = 0;
            for (int k = 0; k < keys.Count; k++)
            {
                double s = seconds(phases[i], keys[k]), h = s / max * (Height - Top - Bottom);
                y -= h;
                total += s;
                Rect(sb, x, y, barWidth, h, StackColor(k), $"{phases[i]} {keys[k]}: {N(s, "0.###")} s");
            }

            TextAt(sb, x + barWidth / 2, Height - Bottom + 14, phases[i], "middle");
            TextAt(sb, x + barWidth / 2, y - 4, N(total, "0.##") + " s", "middle");
        }

        for (int k = 0; k < keys.Count; k++)
        {
            double ly = Top + 4 + k * 16;
            Rect(sb, Width - 126, ly, 10, 10, StackColor(k), null);
            TextAt(sb, Width - 112, ly + 9, keys[k], "start");
        }

        return sb.Append("</svg>").ToString();
    }

    private static string StackColor(int k) => s_stackColors[k % s_stackColors.Length];

    private static StringBuilder Open(string name, string cssClass) => new StringBuilder()
        .Append("<svg class=\"").Append(cssClass).Append("\" data-metric=\"").Append(Html.Text(name))
        .Append(CultureInfo.InvariantCulture, $"\" width=\"{Width}\" height=\"{Height}\"")
        .Append(CultureInfo.InvariantCulture, $" viewBox=\"0 0 {Width} {Height}\"")
        .Append(" role=\"img\">");

    private static void Axes(StringBuilder sb, string title, string xMin, string xMax, string yMin, string yMax)
    {
        int right = Width - Right, bottom = Height - Bottom;
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" class=\"title\">")
            .Append(Html.Text(title)).Append("</text>")
            .Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#888\"/>")
            .Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{bottom}\" stroke=\"#888\"/>");
        TextAt(sb, Left - 4, bottom, yMin, "end");
        TextAt(sb, Left - 4, Top + 8, yMax, "end");
        TextAt(sb, Left, bottom + 14, xMin, "start");
        TextAt(sb, right, bottom + 14, xMax, "end");
    }

    private static void TextAt(StringBuilder sb, double x, double y, string text, string anchor)
    {
        if (text.Length == 0)
        {
            return;
        }

        sb.Append($"<text x=\"{N(x, "0.##")}\" y=\"{N(y, "0.##")}\" text-anchor=\"{anchor}\">")
            .Append(Html.Text(text)).Append("</text>");
    }

    private static void Rect(StringBuilder sb, double x, double y, double w, double h, string fill, string? title)
    {
        sb.Append($"<rect x=\"{N(x, "0.##")}\" y=\"{N(y, "0.##")}\" width=\"{N(w, "0.##")}\" height=\"{N(h, "0.##")}\"")
            .Append($" fill=\"{fill}\"");
        _ = title is null
            ? sb.Append("/>")
            : sb.Append("><title>").Append(Html.Text(title)).Append("</title></rect>");
    }

    /// <summary>The finite range of <paramref name="values"/> with a 5% margin, widened when empty or a single value.
    /// </summary>
    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (min > max)
        {
            return (0, 1);
        }

        if (min == max)
        {
            double pad = Math.Max(Math.Abs(min) * 0.1, 0.5);
            return (min - pad, max + pad);
        }

        double margin = (max - min) * 0.05;
        return (min - margin, max + margin);
    }

    private static string N(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
