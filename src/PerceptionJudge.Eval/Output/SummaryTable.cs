using System.Globalization;
using System.Text;
using PerceptionJudge.Eval.Input;

namespace PerceptionJudge.Eval.Output;

/// <summary>
/// A plain-text table of an <see cref="EvalSummary"/> for the console: one row per metric with mean ± std over seeds
/// and the number of seeds where it is defined, then the cross-seed consistency. NaN prints as "n/a".
/// </summary>
internal static class SummaryTable
{
    public static string Render(EvalSummary summary)
    {
        var rows = new List<string[]> { new[] { "metric", "mean", "± std", "seeds" } };
        rows.AddRange(summary.Metrics.Select(m => new[]
        {
            m.Name, Format(m.Mean), Format(m.Std), m.Seeds.ToString(CultureInfo.InvariantCulture),
        }));
        foreach (var (task, c) in summary.Consistency)
        {
            string prefix = $"consistency.{MllmJudgeReader.TaskName(task)}";
            rows.Add([$"{prefix}.agreement", Format(c.Agreement), "", $"{c.Examples} ex"]);
            rows.Add([$"{prefix}.exact_match", Format(c.ExactMatch), "", $"{c.Examples} ex"]);
        }

        var widths = Enumerable.Range(0, 4).Select(col => rows.Max(r => r[col].Length)).ToArray();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{summary.Seeds.Count} seed(s)\n");
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            sb.Append(r[0].PadRight(widths[0])).Append("  ")
                .Append(r[1].PadLeft(widths[1])).Append("  ")
                .Append(r[2].PadLeft(widths[2])).Append("  ")
                .Append(r[3].PadLeft(widths[3])).Append('\n');
            if (i == 0)
            {
                sb.Append(new string('-', widths.Sum() + 6)).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>Four decimals, or "n/a" for NaN/∞.</summary>
    public static string Format(double value) =>
        double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";
}
