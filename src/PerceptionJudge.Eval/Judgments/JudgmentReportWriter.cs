using System.Globalization;
using System.Text;
using System.Text.Json;
using PerceptionJudge.Eval.Input;
using PerceptionJudge.Eval.Output;

namespace PerceptionJudge.Eval.Judgments;

/// <summary>
/// Writes a <see cref="JudgmentReport"/> as JSON and as a console table.
/// <para>JSON (System.Text.Json, snake_case keys; NaN is null):</para>
/// <code>
/// { "task": "pair", "count": 120,
///   "skipped": { "duplicate_human_key": 0, ..., "judgment_unparsable": 3 },
///   "pooled": { "n": 120, "accuracy_with_tie": 0.61, "accuracy_with_tie_n": 120,
///               "accuracy_without_tie": 0.72, "accuracy_without_tie_n": 90, ... },
///   "by_dataset": { "coco": { "n": 40, ... }, ... } }
/// </code>
/// Each group holds <c>n</c>, its joined rows, and every metric <c>m</c> beside <c>m_n</c>, the rows that metric is
/// computed over (equal to <c>n</c> except for <c>accuracy_without_tie</c>, which drops the rows with a C).
/// </summary>
public static class JudgmentReportWriter
{
    /// <summary>The report as indented JSON.</summary>
    public static string Json(JudgmentReport report)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("task", MllmJudgeReader.TaskName(report.Task));
            w.WriteNumber("count", report.Count);
            w.WriteStartObject("skipped");
            foreach (var (reason, n) in report.Skipped)
            {
                w.WriteNumber(JudgmentJoin.ReasonName(reason), n);
            }

            w.WriteEndObject();
            w.WritePropertyName("pooled");
            Group(w, report.Pooled);
            w.WriteStartObject("by_dataset");
            foreach (var group in report.ByDataset)
            {
                w.WritePropertyName(group.Name);
                Group(w, group);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The report as a plain-text table: a header line with the task, the joined count and the non-zero skip
    /// reasons, then one row per group (pooled first) with n and each metric to four decimals ("n/a" when undefined);
    /// a metric over fewer rows than its group shows its n beside it.
    /// </summary>
    public static string Table(JudgmentReport report)
    {
        var skipped = report.Skipped.Where(kv => kv.Value > 0)
            .Select(kv => $"{JudgmentJoin.ReasonName(kv.Key)} {kv.Value}")
            .ToArray();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"{MllmJudgeReader.TaskName(report.Task)}: {report.Count} joined rows scored; skipped: ")
            .Append(skipped.Length == 0 ? "none" : string.Join(", ", skipped)).Append('\n');

        var header = new List<string> { "dataset", "n" };
        header.AddRange(report.Pooled.Metrics.Select(m => m.Name));
        var rows = new List<string[]> { header.ToArray() };
        foreach (var group in report.ByDataset.Prepend(report.Pooled))
        {
            var row = new List<string> { group.Name, group.Count.ToString(CultureInfo.InvariantCulture) };
            row.AddRange(group.Metrics.Select(m => m.N == group.Count
                ? SummaryTable.Format(m.Value)
                : $"{SummaryTable.Format(m.Value)} (n={m.N})"));
            rows.Add(row.ToArray());
        }

        var widths = Enumerable.Range(0, header.Count).Select(c => rows.Max(r => r[c].Length)).ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            sb.Append(rows[i][0].PadRight(widths[0]));
            for (int c = 1; c < widths.Length; c++)
            {
                sb.Append("  ").Append(rows[i][c].PadLeft(widths[c]));
            }

            sb.Append('\n');
            if (i == 0)
            {
                sb.Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static void Group(Utf8JsonWriter w, JudgmentGroup group)
    {
        w.WriteStartObject();
        w.WriteNumber("n", group.Count);
        foreach (var m in group.Metrics)
        {
            SummaryJson.Number(w, m.Name, m.Value);
            w.WriteNumber(m.Name + "_n", m.N);
        }

        w.WriteEndObject();
    }
}
