using PerceptionJudge.Eval.Metrics;
using PerceptionJudge.Eval.Output;

namespace PerceptionJudge.Eval;

/// <summary>One metric over seeds.</summary>
/// <param name="Name">The metric's name (see <see cref="EvalResult.Metrics"/>).</param>
/// <param name="Mean">Mean over the seeds where the metric is finite; NaN when it is finite in none.</param>
/// <param name="Std">Unbiased sample standard deviation <c>sqrt(Σ(v − mean)² / (k − 1))</c> over those k seeds
/// (numpy <c>std(ddof=1)</c>, torch <c>std</c> default); NaN when k &lt; 2.</param>
/// <param name="Seeds">k: the seeds where the metric is finite (a NaN in one seed does not poison the mean; the
/// count shows it).</param>
public sealed record MetricStat(string Name, double Mean, double Std, int Seeds);

/// <summary>
/// Per-seed results and each metric's mean ± std over seeds, plus the cross-seed consistency when several seeds
/// judged the same examples. Written as JSON by <see cref="ToJson"/> and as a console table by <see cref="ToTable"/>.
/// </summary>
public sealed class EvalSummary
{
    private EvalSummary(
        IReadOnlyList<EvalResult> seeds, IReadOnlyList<MetricStat> metrics,
        IReadOnlyList<KeyValuePair<JudgeTask, ConsistencyShares>> consistency)
    {
        Seeds = seeds;
        Metrics = metrics;
        Consistency = consistency;
    }

    /// <summary>The per-seed results, in the order given.</summary>
    public IReadOnlyList<EvalResult> Seeds { get; }

    /// <summary>Every metric that appears in some seed, in order of first appearance, with mean ± std.</summary>
    public IReadOnlyList<MetricStat> Metrics { get; }

    /// <summary>Agreement across seeds per task; empty when not computed.</summary>
    public IReadOnlyList<KeyValuePair<JudgeTask, ConsistencyShares>> Consistency { get; }

    /// <summary>The statistic of metric <paramref name="name"/>, or null when no seed has it.</summary>
    public MetricStat? this[string name] => Metrics.FirstOrDefault(m => m.Name == name);

    /// <summary>Aggregates per-seed results (at least one); <paramref name="consistency"/> from
    /// <see cref="RankingConsistency.Compute"/> when the seeds judged the same examples.</summary>
    public static EvalSummary FromSeeds(
        IReadOnlyList<EvalResult> seeds,
        IReadOnlyList<KeyValuePair<JudgeTask, ConsistencyShares>>? consistency = null)
    {
        if (seeds.Count == 0)
        {
            throw new EvalException("seeds", "no per-seed results to summarise");
        }

        var perSeed = seeds.Select(s => s.Metrics()).ToArray();
        var names = perSeed.SelectMany(m => m.Select(kv => kv.Key)).Distinct().ToArray();
        var stats = names.Select(name =>
        {
            var values = perSeed.SelectMany(m => m.Where(kv => kv.Key == name).Select(kv => kv.Value))
                .Where(double.IsFinite)
                .ToArray();
            return new MetricStat(name, MeanOf(values), StdOf(values), values.Length);
        }).ToArray();
        return new EvalSummary(seeds, stats, consistency ?? []);
    }

    /// <summary>The summary as indented JSON with snake_case keys; NaN is written as null.</summary>
    public string ToJson() => SummaryJson.Write(this);

    /// <summary>The summary as a plain-text table (one row per metric: mean ± std over seeds).</summary>
    public string ToTable() => SummaryTable.Render(this);

    private static double MeanOf(double[] v) => v.Length == 0 ? double.NaN : v.Sum() / v.Length;

    private static double StdOf(double[] v)
    {
        if (v.Length < 2)
        {
            return double.NaN;
        }

        double mean = MeanOf(v), ss = 0;
        foreach (double x in v)
        {
            ss += (x - mean) * (x - mean);
        }

        return Math.Sqrt(ss / (v.Length - 1));
    }
}
