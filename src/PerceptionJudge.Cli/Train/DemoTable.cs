using System.Globalization;
using System.Text;
using PerceptionJudge.Eval;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// The demo's closing table: the held-out metrics of the judge before RL and after GRPO (mean ± std over seeds at
/// the same temperature), each with its change and whether the change clears twice the larger seed spread, plus the
/// base judge's greedy fidelity. Markdown, so the README's copy is this text (<see cref="Splice"/>), never hand-typed.
/// </summary>
internal static class DemoTable
{
    /// <summary>Metrics shown, with the direction that counts as better (+1 higher, −1 lower).</summary>
    public static IReadOnlyList<(string Key, string Label, int Better)> Rows { get; } =
    [
        ("fidelity.both_right", "perceptual fidelity, both images right (chance 0.25)", 1),
        ("pair.accuracy_with_tie", "pair accuracy with tie", 1),
        ("batch.ranking_reward", "batch-ranking reward 1 − D / C(n,2) (the training reward)", 1),
        ("batch.parse_failure_rate", "batch parse failures", -1),
        ("batch.normalized_levenshtein", "batch normalised Levenshtein", -1),
        ("score.pearson", "score Pearson", 1),
    ];

    /// <summary>The README block's opening marker.</summary>
    public const string Begin = "<!-- demo-table:begin (pjudge demo --readme README.md writes this block) -->";

    /// <summary>The README block's closing marker.</summary>
    public const string End = "<!-- demo-table:end -->";

    /// <summary>The table for <paramref name="before"/> → <paramref name="after"/> (each a metric by name, as
    /// <see cref="EvalSummary"/>'s indexer gives it).</summary>
    public static string Render(Func<string, MetricStat?> before, Func<string, MetricStat?> after,
        double baseGreedyFidelity, int seeds, double temperature, double minutes)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"| held-out metric (mean ± std, {seeds} seeds, T = {temperature:0.##}) | before RL | after GRPO | change | > 2 × max std |\n");
        sb.Append("|---|---:|---:|---:|:---:|\n");
        foreach (var (key, label, better) in Rows)
        {
            var b = before(key);
            var a = after(key);
            string verdict = "n/a", change = "n/a";
            if (b is not null && a is not null && double.IsFinite(b.Mean) && double.IsFinite(a.Mean))
            {
                double delta = a.Mean - b.Mean;
                double spread = 2 * System.Math.Max(Std(b), Std(a));
                change = delta.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);
                verdict = better * delta > spread ? "better" : better * delta < -spread ? "worse" : "no";
            }

            sb.Append(CultureInfo.InvariantCulture, $"| {label} | {Cell(b)} | {Cell(a)} | {change} | {verdict} |\n");
        }

        sb.Append(CultureInfo.InvariantCulture,
            $"\nThe judge before RL decodes greedily at fidelity **{baseGreedyFidelity:0.000}** (chance 0.25). " +
            $"Whole demo: {minutes:0.0} min.\n");
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="readme"/> with the text between <see cref="Begin"/> and <see cref="End"/> replaced by
    /// <paramref name="table"/>; throws naming the file when the markers are missing.
    /// </summary>
    public static string Splice(string readme, string table, string file)
    {
        int begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        int end = readme.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new ArgumentException($"{file} has no demo table block; add the lines '{Begin}' and '{End}'");
        }

        return readme[..(begin + Begin.Length)] + "\n" + table + readme[end..];
    }

    private static double Std(MetricStat m) => double.IsFinite(m.Std) ? m.Std : 0;

    private static string Cell(MetricStat? m) => m is null || !double.IsFinite(m.Mean)
        ? "n/a"
        : string.Create(CultureInfo.InvariantCulture, $"{m.Mean:0.000} ± {Std(m):0.000}");
}
