using PerceptionJudge.Bench;

namespace PerceptionJudge.Cli.Profile;

/// <summary>The top-N kernels by total time: launches, total and mean ms, GB/s and % of the triad roof.</summary>
internal static class TopKernels
{
    public static void Print(IReadOnlyList<TraceEvent> events, double triadGbs, int top, TextWriter stdout)
    {
        var rows = events.Where(e => e.Category == "kernel")
            .GroupBy(e => e.Name)
            .Select(g => (
                Name: g.Key, Calls: g.Count(), TotalUs: g.Sum(e => e.DurationUs), Bytes: g.Sum(e => (double)e.Bytes)))
            .OrderByDescending(r => r.TotalUs)
            .Take(System.Math.Max(1, top))
            .ToList();
        if (rows.Count == 0)
        {
            stdout.WriteLine("no kernel launches were traced");
            return;
        }

        double all = events.Where(e => e.Category == "kernel").Sum(e => e.DurationUs);
        stdout.WriteLine(
            $"{"kernel",-28} {"calls",6} {"total ms",10} {"mean ms",9} {"% time",7} {"GB/s",8} {"% roof",7}");
        foreach (var r in rows)
        {
            double gbs = r.Bytes / (r.TotalUs * 1e3);
            stdout.WriteLine(
                $"{r.Name,-28} {r.Calls,6} {r.TotalUs / 1e3,10:0.00} {r.TotalUs / 1e3 / r.Calls,9:0.000} " +
                $"{100 * r.TotalUs / all,6:0.0}% {gbs,8:0.0} {100 * gbs / triadGbs,6:0}%");
        }
    }
}

/// <summary>The bandwidth roof for the profile: the best of a few STREAM triads over 3 × 16M floats.</summary>
internal static class TriadProbe
{
    public static double MeasureGbPerSecond(int elements = 1 << 24, int repeats = 4)
    {
        var (a, b, c) = (new float[elements], new float[elements], new float[elements]);
        Array.Fill(b, 1f);
        Array.Fill(c, 2f);
        double best = double.MaxValue;
        for (int i = 0; i <= repeats; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            Triad.Run(a, b, c, 3f);
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i > 0)
            {
                best = System.Math.Min(best, seconds); // the first pass faults the pages in
            }
        }

        return 12.0 * elements / best / 1e9;
    }
}
