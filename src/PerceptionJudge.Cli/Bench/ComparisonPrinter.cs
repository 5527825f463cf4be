using PerceptionJudge.Bench.Tracking;

namespace PerceptionJudge.Cli.Bench;

/// <summary>Prints a <see cref="ComparisonReport"/>: regressions, improvements, then a one-line summary.</summary>
internal static class ComparisonPrinter
{
    public static void Print(ComparisonReport report, TextWriter stdout)
    {
        string unit = report.Mode == GateMode.Ratio ? "time / in-run roof" : "ns per op";
        stdout.WriteLine(
            $"gate: {report.Mode.ToString().ToLowerInvariant()} ({unit}), threshold {report.Threshold:P1}, " +
            $"two-sided Mann–Whitney at alpha {report.Alpha}");
        Section("Regressions (Slower)", report.Regressions.ToList(), stdout);
        Section("Improvements (Faster)", report.Improvements.OrderBy(r => r.Ratio).ToList(), stdout);
        foreach (var id in report.OnlyInBase)
        {
            stdout.WriteLine($"missing in diff: {id}");
        }

        foreach (var id in report.OnlyInDiff)
        {
            stdout.WriteLine($"new in diff: {id}");
        }

        int same = report.Rows.Count(r => r.Conclusion == Conclusion.Same);
        stdout.WriteLine(
            $"{report.Regressions.Count()} slower, {report.Improvements.Count()} faster, {same} same " +
            $"({report.Rows.Count} compared)");
    }

    private static void Section(string title, List<Comparison> rows, TextWriter stdout)
    {
        if (rows.Count == 0)
        {
            return;
        }

        stdout.WriteLine($"{title}:");
        stdout.WriteLine($"  {"diff/base",9} {"base",11} {"diff",11} {"p",8}  id");
        foreach (var r in rows)
        {
            stdout.WriteLine($"  {r.Ratio,9:0.000} {r.BaseMedian,11:G4} {r.DiffMedian,11:G4} {r.P,8:0.0000}  {r.Id}");
        }
    }
}
