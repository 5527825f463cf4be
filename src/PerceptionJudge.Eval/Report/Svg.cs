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
        Axes(sb, metric, $"{N(x0, "0")}", $"{N(x1, "0")}", N(y0, "G4"), N(y1, "G4"));
        var segment = new List<string>();
        string? phase = null;
        void Flush()
        {
            if (segment.Count > 1)
            {
                sb.Append(CultureInfo.InvariantCulture,
                    $"<polyline fill=\"none\" stroke=\"{PhaseColor(phase!)}\" stroke-width=\"1.5\" points=\"{string.Join(' ', segment)}\"/>");
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
                string xy = $"{N(X(p.Step), "0.##")},{N(Y(p.Value), "0.##")}";
                segment.Add(xy);
                sb.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{N(X(p.Step), "0.##")}\" cy=\"{N(Y(p.Value), "0.##")}\" r=\"1.8\" fill=\"{PhaseColor(p.Phase)}\"/>");
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
                double h = seconds(phases[i], keys[k]) / max * (Height - Top - Bottom);
                y -= h;
                total += seconds(phases[i], keys[k]);
                sb.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{N(x, "0.##")}\" y=\"{N(y, "0.##")}\" width=\"{N(barWidth, "0.##")}\" height=\"{N(h, "0.##")}\" fill=\"{s_stackColors[k % s_stackColors.Length]}\"><title>{Html.Text($"{phases[i]} {keys[k]}: {N(seconds(phases[i], keys[k]), "0.###")} s")}</title></rect>");
            }

            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(x + barWidth / 2, "0.##")}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{Html.Text(phases[i])}</text>");
            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(x + barWidth / 2, "0.##")}\" y=\"{N(y - 4, "0.##")}\" text-anchor=\"middle\">{Html.Text(N(total, "0.##") + " s")}</text>");
        }

        for (int k = 0; k < keys.Count; k++)
        {
            double ly = Top + 4 + k * 16;
            sb.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{Width - 126}\" y=\"{N(ly, "0")}\" width=\"10\" height=\"10\" fill=\"{s_stackColors[k % s_stackColors.Length]}\"/><text x=\"{Width - 112}\" y=\"{N(ly + 9, "0")}\">{Html.Text(keys[k])}</text>");
        }

        return sb.Append("</svg>").ToString();
    }

    private static StringBuilder Open(string name, string cssClass) => new StringBuilder().Append(
        CultureInfo.InvariantCulture,
        $"<svg class=\"{cssClass}\" data-metric=\"{Html.Text(name)}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">");

    private static void Axes(StringBuilder sb, string title, string xMin, string xMax, string yMin, string yMax)
    {
        int right = Width - Right, bottom = Height - Bottom;
        sb.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Left}\" y=\"16\" class=\"title\">{Html.Text(title)}</text>"
            + $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#888\"/>"
            + $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{bottom}\" stroke=\"#888\"/>"
            + $"<text x=\"{Left - 4}\" y=\"{bottom}\" text-anchor=\"end\">{Html.Text(yMin)}</text>"
            + $"<text x=\"{Left - 4}\" y=\"{Top + 8}\" text-anchor=\"end\">{Html.Text(yMax)}</text>"
            + $"<text x=\"{Left}\" y=\"{bottom + 14}\" text-anchor=\"start\">{Html.Text(xMin)}</text>"
            + $"<text x=\"{right}\" y=\"{bottom + 14}\" text-anchor=\"end\">{Html.Text(xMax)}</text>");
    }

    /// <summary>The finite range of <paramref name="values"/>, widened when empty or a single value.</summary>
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

        return (min, max);
    }

    private static string N(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
