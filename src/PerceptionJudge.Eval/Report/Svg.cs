using System.Globalization;
using System.Text;

namespace PerceptionJudge.Eval.Report;

/// <summary>One named series of a stacked bar chart.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="Seconds">The series' value for each bar, in bar order.</param>
internal sealed record BarSegment(string Label, IReadOnlyList<double> Seconds);

/// <summary>
/// Inline SVG charts for the HTML report: no scripts, no external references, well-formed XML (every text through
/// <see cref="Html.Text"/>). Numbers are written with the invariant culture. Every chart has a title, axis titles and
/// tick labels at "nice" values (1, 2, 2.5 or 5 × 10^k apart) with light grid lines.
/// </summary>
internal static class Svg
{
    private const int Width = 460, Height = 250, Left = 64, Right = 14, Top = 28, Bottom = 44;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    /// <summary>A series with more points than this is drawn faint, with its moving mean over it, and no dots.
    /// </summary>
    private const int DenseSeries = 60;

    private static readonly string[] s_stackColors =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>
    /// A line plot of one metric over steps: x runs over <paramref name="steps"/> (the phase's first and last step,
    /// so the plots of one phase line up), a NaN value breaks the line. A dense series (more than 60 points) is drawn faint with its trailing moving mean over ⌈n / 25⌉ steps
    /// in full colour; a sparse one gets a dot on every point.
    /// </summary>
    public static string LinePlot(string id, string title, string xTitle, string yTitle, string color,
        (int First, int Last) steps, IReadOnlyList<(int Step, double Value)> points)
    {
        var finite = points.Where(p => double.IsFinite(p.Value)).ToArray();
        double x0 = steps.First, x1 = steps.Last;
        if (x0 == x1)
        {
            (x0, x1) = (x0 - 1, x1 + 1);
        }

        var (y0, y1) = Nice(Range(finite.Select(p => p.Value)));
        double X(double step) => Left + (step - x0) / (x1 - x0) * PlotWidth;
        double Y(double v) => Top + PlotHeight - (v - y0) / (y1 - y0) * PlotHeight;

        var sb = Open(id, "plot");
        Frame(sb, title, xTitle, yTitle);
        foreach (double t in Ticks(x0, x1, integers: true))
        {
            XTick(sb, X(t), N(t, "0"));
        }

        foreach (double t in Ticks(y0, y1, integers: false))
        {
            YTick(sb, Y(t), Label(t, y1 - y0));
        }

        bool dense = finite.Length > DenseSeries;
        Polylines(sb, points.Select(p => (X(p.Step), Y(p.Value))), color, dense ? " stroke-opacity=\"0.3\"" : "");
        if (dense)
        {
            int window = (finite.Length + 24) / 25;
            Polylines(sb, MovingMean(points, window).Select(p => (X(p.Step), Y(p.Value))), color, "");
            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{Width - Right}\" y=\"{Top - 4}\" text-anchor=\"end\" class=\"note\">faint: each step; ")
                .Append(CultureInfo.InvariantCulture, $"line: mean of the last {window}</text>");
        }
        else
        {
            foreach (var (step, value) in finite)
            {
                sb.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{N(X(step), "0.##")}\" cy=\"{N(Y(value), "0.##")}\" r=\"2\" fill=\"{color}\"/>");
            }
        }

        return sb.Append("</svg>").ToString();
    }

    /// <summary>
    /// One stacked bar per category: a segment per series (empty ones left out of the legend), with each bar's total
    /// above it and a tooltip per segment (<c>category label: seconds s</c>).
    /// </summary>
    public static string StackedBars(string id, string title, string xTitle, string yTitle,
        IReadOnlyList<string> categories, IReadOnlyList<BarSegment> segments)
    {
        var shown = segments.Where(s => s.Seconds.Any(v => v > 0)).ToArray();
        double[] totals = categories.Select((_, i) => shown.Sum(s => Math.Max(s.Seconds[i], 0))).ToArray();
        double max = Nice((0, totals.Length > 0 && totals.Max() > 0 ? totals.Max() * 1.08 : 1)).Max;
        double Y(double v) => Top + PlotHeight - v / max * PlotHeight;

        var sb = Open(id, "timing");
        Frame(sb, title, xTitle, yTitle);
        foreach (double t in Ticks(0, max, integers: false))
        {
            YTick(sb, Y(t), Label(t, max));
        }

        const int legendWidth = 130;
        double slot = (double)(PlotWidth - legendWidth) / Math.Max(categories.Count, 1), barWidth = slot * 0.6;
        for (int i = 0; i < categories.Count; i++)
        {
            double x = Left + (i + 0.2) * slot, top = Top + PlotHeight;
            for (int k = 0; k < shown.Length; k++)
            {
                double s = Math.Max(shown[k].Seconds[i], 0), h = s / max * PlotHeight;
                top -= h;
                if (s > 0)
                {
                    Rect(sb, x, top, barWidth, h, StackColor(k),
                        $"{categories[i]} {shown[k].Label}: {N(s, "0.###")} s");
                }
            }

            XTick(sb, x + barWidth / 2, categories[i]);
            TextAt(sb, x + barWidth / 2, top - 4, N(totals[i], totals[i] >= 100 ? "0" : "0.#") + " s", "middle");
        }

        for (int k = 0; k < shown.Length; k++)
        {
            double ly = Top + 4 + k * 16;
            Rect(sb, Width - Right - legendWidth + 6, ly, 10, 10, StackColor(k), null);
            TextAt(sb, Width - Right - legendWidth + 20, ly + 9, shown[k].Label, "start");
        }

        return sb.Append("</svg>").ToString();
    }

    /// <summary>Ticks at multiples of a nice step (<see cref="TickStep"/>) inside [min, max]; integer steps only
    /// when <paramref name="integers"/>.</summary>
    internal static IReadOnlyList<double> Ticks(double min, double max, bool integers)
    {
        double step = TickStep(min, max), magnitude = Math.Pow(10, Math.Floor(Math.Log10(step)));
        if (integers)
        {
            step = Math.Max(1, Math.Round(step == 2.5 * magnitude ? 2 * magnitude : step));
        }

        var ticks = new List<double>();
        for (double t = Math.Ceiling(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
        {
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }

        return ticks;
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 × 10^k that cuts [min, max] into at most five intervals.</summary>
    private static double TickStep(double min, double max)
    {
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * (1 - 1e-9));
    }

    /// <summary>The range widened outwards to multiples of its tick step, so both ends carry a tick label.</summary>
    private static (double Min, double Max) Nice((double Min, double Max) range)
    {
        double step = TickStep(range.Min, range.Max);
        return (Math.Floor(range.Min / step + 1e-9) * step, Math.Ceiling(range.Max / step - 1e-9) * step);
    }

    private static string StackColor(int k) => s_stackColors[k % s_stackColors.Length];

    /// <summary>Tick label precision from the axis span: enough digits to tell neighbouring ticks apart.</summary>
    private static string Label(double value, double span)
    {
        int decimals = Math.Clamp(2 - (int)Math.Floor(Math.Log10(span)), 0, 6);
        return N(value, "0." + new string('#', decimals));
    }

    /// <summary>The trailing mean of the finite values among the last <paramref name="window"/> points (NaN when
    /// there are none), at each point's step.</summary>
    private static IEnumerable<(int Step, double Value)> MovingMean(
        IReadOnlyList<(int Step, double Value)> points, int window)
    {
        for (int i = 0; i < points.Count; i++)
        {
            var last = points.Skip(Math.Max(0, i + 1 - window)).Take(Math.Min(window, i + 1))
                .Where(p => double.IsFinite(p.Value)).ToArray();
            yield return (points[i].Step, last.Length == 0 ? double.NaN : last.Average(p => p.Value));
        }
    }

    /// <summary>One polyline per run of finite points (a NaN breaks the line).</summary>
    private static void Polylines(StringBuilder sb, IEnumerable<(double X, double Y)> points, string color,
        string extra)
    {
        var run = new List<string>();
        void Flush()
        {
            if (run.Count > 1)
            {
                sb.Append("<polyline fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"1.5\"")
                    .Append(extra).Append(" points=\"").AppendJoin(' ', run).Append("\"/>");
            }

            run.Clear();
        }

        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(y))
            {
                Flush();
                continue;
            }

            run.Add($"{N(x, "0.##")},{N(y, "0.##")}");
        }

        Flush();
    }

    private static StringBuilder Open(string id, string cssClass) => new StringBuilder()
        .Append("<svg class=\"").Append(cssClass).Append("\" data-metric=\"").Append(Html.Text(id))
        .Append(CultureInfo.InvariantCulture, $"\" width=\"{Width}\" height=\"{Height}\"")
        .Append(CultureInfo.InvariantCulture, $" viewBox=\"0 0 {Width} {Height}\"")
        .Append(" role=\"img\">");

    /// <summary>The title, the two axis lines and the axis titles (y rotated along the left edge).</summary>
    private static void Frame(StringBuilder sb, string title, string xTitle, string yTitle)
    {
        int right = Width - Right, bottom = Top + PlotHeight;
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" class=\"title\">")
            .Append(Html.Text(title)).Append("</text>")
            .Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#888\"/>")
            .Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{bottom}\" stroke=\"#888\"/>")
            .Append(CultureInfo.InvariantCulture,
                $"<text class=\"axis-title x\" x=\"{Left + PlotWidth / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\">")
            .Append(Html.Text(xTitle)).Append("</text>")
            .Append(CultureInfo.InvariantCulture,
                $"<text class=\"axis-title y\" x=\"0\" y=\"0\" text-anchor=\"middle\" transform=\"translate(13,")
            .Append(CultureInfo.InvariantCulture, $"{Top + PlotHeight / 2}) rotate(-90)\">")
            .Append(Html.Text(yTitle)).Append("</text>");
    }

    private static void XTick(StringBuilder sb, double x, string label)
    {
        int bottom = Top + PlotHeight;
        sb.Append($"<line x1=\"{N(x, "0.##")}\" y1=\"{bottom}\" x2=\"{N(x, "0.##")}\" y2=\"{bottom + 4}\" " +
            "stroke=\"#888\"/>");
        TextAt(sb, x, bottom + 15, label, "middle", "tick x");
    }

    private static void YTick(StringBuilder sb, double y, string label)
    {
        sb.Append($"<line x1=\"{Left - 4}\" y1=\"{N(y, "0.##")}\" x2=\"{Width - Right}\" y2=\"{N(y, "0.##")}\" " +
            "stroke=\"#e4e4e4\"/>");
        TextAt(sb, Left - 6, y + 4, label, "end", "tick y");
    }

    private static void TextAt(StringBuilder sb, double x, double y, string text, string anchor,
        string? cssClass = null)
    {
        if (text.Length == 0)
        {
            return;
        }

        sb.Append($"<text x=\"{N(x, "0.##")}\" y=\"{N(y, "0.##")}\" text-anchor=\"{anchor}\"")
            .Append(cssClass is null ? "" : $" class=\"{cssClass}\"").Append('>')
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
