using PerceptionJudge.Eval.Metrics;

namespace PerceptionJudge.Eval.Judgments;

/// <summary>One metric of a group and the number of rows it is computed over.</summary>
/// <param name="Name">snake_case: <c>pearson</c>, <c>accuracy_without_tie</c>, <c>normalized_levenshtein</c>.</param>
/// <param name="Value">The value; NaN where undefined (written null / "n/a").</param>
/// <param name="N">Rows the metric is computed over.</param>
public sealed record JudgmentMetric(string Name, double Value, int N);

/// <summary>The metrics of one group of joined rows: all of them (<c>pooled</c>) or one <c>original_dataset</c>.
/// </summary>
/// <param name="Name"><c>pooled</c>, or the dataset's name.</param>
/// <param name="Count">Joined rows in the group.</param>
/// <param name="Metrics">The task's metrics in a fixed order (<see cref="JudgmentScoring"/>).</param>
public sealed record JudgmentGroup(string Name, int Count, IReadOnlyList<JudgmentMetric> Metrics)
{
    /// <summary>The metric named <paramref name="name"/>.</summary>
    public JudgmentMetric this[string name] => Metrics.First(m => m.Name == name);
}

/// <summary>
/// The scores of one judge's recorded judgments against the human labels: the joined rows pooled and per
/// <c>original_dataset</c> (ordinal order of the name), plus the count of every skip reason.
/// </summary>
/// <param name="Task">The task.</param>
/// <param name="Count">Joined rows that reached the metrics.</param>
/// <param name="Skipped">Every <see cref="SkipReason"/> with its count (zeros too).</param>
/// <param name="Pooled">All joined rows.</param>
/// <param name="ByDataset">One group per <c>original_dataset</c>.</param>
public sealed record JudgmentReport(
    JudgeTask Task, int Count, IReadOnlyList<KeyValuePair<SkipReason, int>> Skipped, JudgmentGroup Pooled,
    IReadOnlyList<JudgmentGroup> ByDataset)
{
    /// <summary>The report as indented JSON (<see cref="JudgmentReportWriter.Json"/>).</summary>
    public string ToJson() => JudgmentReportWriter.Json(this);

    /// <summary>The report as a console table (<see cref="JudgmentReportWriter.Table"/>).</summary>
    public string ToTable() => JudgmentReportWriter.Table(this);
}

/// <summary>
/// Scores recorded judgments (<c>pjudge eval judgments</c>) with the metric code <c>pjudge eval</c> uses on our own
/// judge, so both paths agree by construction:
/// <list type="bullet">
/// <item>score: <c>pearson</c>, <see cref="PearsonCorrelation"/> (scipy <c>pearsonr</c>; NaN for n &lt; 2 or a
/// constant side);</item>
/// <item>pair (<see cref="PairAccuracy"/>): <c>accuracy_with_tie</c> = #{judge = human} / n over the joined rows (all
/// of which have an A, B or C judgment); <c>accuracy_without_tie</c> = the same over the rows where neither the human
/// nor the judge said C (<see cref="PairAccuracyResult.WithoutTieStrict"/>, the benchmark's
/// <c>scripts/calculate_metrics.ipynb</c>; note that <c>pjudge eval</c>'s <c>pair.accuracy_without_tie</c> is the
/// paper's human-only convention and its strict one is <c>pair.accuracy_without_tie_strict</c>);
/// <c>macro_precision</c>, <c>macro_recall</c>, <c>macro_f1</c> over the buckets A, B and everything else
/// (<see cref="MacroAverage"/>: sklearn <c>average="macro"</c>, labels present in either side);</item>
/// <item>batch (<see cref="BatchRankingDistance"/>): <c>levenshtein</c>, the mean edit distance between the judge's
/// and the human letter orders, and <c>normalized_levenshtein</c>, the mean of distance / max(|a|, |b|) (as
/// Perception-Judge's <c>eval/evaluate_metric.ipynb</c>).</item>
/// </list>
/// </summary>
public static class JudgmentScoring
{
    /// <summary>Reads both files, joins them (<see cref="JudgmentJoin.Join"/>) and scores the joined rows.</summary>
    public static JudgmentReport Score(JudgeTask task, string humanPath, string judgmentsPath) =>
        Score(task, JudgmentJoin.Join(task, JudgmentFile.ReadHuman(humanPath, task),
            JudgmentFile.ReadJudgments(judgmentsPath, task)));

    /// <summary>Scores joined rows, pooled and per dataset.</summary>
    public static JudgmentReport Score(JudgeTask task, JoinResult joined)
    {
        var rows = joined.Rows;
        var byDataset = rows.Select(r => r.Dataset).Distinct().Order(StringComparer.Ordinal)
            .Select(d => Group(task, d, rows.Where(r => r.Dataset == d).ToArray()))
            .ToArray();
        return new JudgmentReport(task, rows.Count, joined.Skipped, Group(task, "pooled", rows), byDataset);
    }

    /// <summary>The task's metrics over <paramref name="rows"/>.</summary>
    public static JudgmentGroup Group(JudgeTask task, string name, IReadOnlyList<JudgedRow> rows)
    {
        int n = rows.Count;
        JudgmentMetric[] metrics;
        switch (task)
        {
            case JudgeTask.Score:
                double r = PearsonCorrelation.Compute(rows.Select(x => x.Judge.Score).ToArray(),
                    rows.Select(x => x.Human.Score).ToArray());
                metrics = [new("pearson", r, n)];
                break;
            case JudgeTask.Pair:
                var p = PairAccuracy.Compute(rows.Select(x => x.Human.Verdict).ToArray(),
                    rows.Select(x => x.Judge.Verdict).ToArray());
                metrics =
                [
                    new("accuracy_with_tie", p.WithTie, n),
                    new("accuracy_without_tie", p.WithoutTieStrict, p.WithoutTieStrictCount),
                    new("macro_precision", p.Macro.Precision, n),
                    new("macro_recall", p.Macro.Recall, n),
                    new("macro_f1", p.Macro.F1, n),
                ];
                break;
            default:
                var b = BatchRankingDistance.Compute(rows.Select(x => x.Human.Order!).ToArray(),
                    rows.Select(x => x.Judge.Order).ToArray());
                metrics = [new("levenshtein", b.Levenshtein, n), new("normalized_levenshtein", b.NormalizedLevenshtein, n)];
                break;
        }

        return new JudgmentGroup(name, n, metrics);
    }
}
