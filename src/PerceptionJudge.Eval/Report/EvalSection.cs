using System.Globalization;
using System.Text;
using PerceptionJudge.Eval.Input;
using PerceptionJudge.Eval.Output;

namespace PerceptionJudge.Eval.Report;

/// <summary>
/// The report's evaluation section: one row per metric with the judge before and after RL (mean ± std over seeds)
/// and the change, then one line per undefined value saying why it is n/a (from <see cref="EvalResult.WhyUndefined"/>).
/// </summary>
internal static class EvalSection
{
    /// <summary>Appends the table and its notes.</summary>
    public static void Append(StringBuilder sb, EvalSummary? before, EvalSummary? after)
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
        var notes = new List<(string Name, string Side, string Note)>();
        foreach (var name in names)
        {
            foreach (var (side, summary) in new[] { ("before", before), ("after", after) })
            {
                if (summary is not null && WhyUndefined(summary, name) is { } note)
                {
                    notes.Add((name, side, note));
                }
            }
        }

        if (notes.Count > 0)
        {
            sb.Append("<ul class=\"notes\">");
            foreach (var (name, side, note) in notes)
            {
                sb.Append("<li><b>").Append(Html.Text(name)).Append("</b> ").Append(side).Append(": ")
                    .Append(Html.Text(note)).Append("</li>");
            }

            sb.Append("</ul>");
        }
    }

    /// <summary>
    /// Why <paramref name="name"/> is undefined on some seeds of <paramref name="summary"/>: each distinct reason with
    /// the seeds it holds for (<c>n/a on seeds 0, 1: ...</c>), or null when every seed has a value.
    /// </summary>
    internal static string? WhyUndefined(EvalSummary summary, string name)
    {
        var reasons = summary.Seeds
            .SelectMany(r => r.WhyUndefined().Where(kv => kv.Key == name).Select(kv => (r.Seed, Reason: kv.Value)))
            .GroupBy(x => x.Reason)
            .Select(g => $"{Plural("seed", g.Count())} {string.Join(", ", g.Select(x => x.Seed))}: {g.Key}")
            .ToArray();
        if (reasons.Length == 0)
        {
            return null;
        }

        var stat = summary[name];
        string head = stat is { Seeds: > 0 }
            ? $"defined on {stat.Seeds} of {summary.Seeds.Count} seeds (the mean is over those); n/a on "
            : "n/a on ";
        return head + string.Join("; ", reasons);
    }

    private static string Plural(string word, int n) => n == 1 ? word : word + "s";

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
}
