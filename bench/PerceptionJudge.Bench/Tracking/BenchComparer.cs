namespace PerceptionJudge.Bench.Tracking;

/// <summary>How measurements are made comparable across runs.</summary>
public enum GateMode
{
    /// <summary>
    /// Each iteration's time divided by the median of the in-run reference of the same class and parameters
    /// (the triad, or the FMA peak for a compute-bound class): a machine that is uniformly slower (a noisy
    /// neighbour, a slower runner) cancels out; only the kernel's cost relative to the roof is compared.
    /// </summary>
    Ratio,

    /// <summary>Raw nanoseconds per operation (dotnet/performance ResultsComparer's default).</summary>
    Time,
}

/// <summary>The verdict for one benchmark id.</summary>
public enum Conclusion
{
    /// <summary>No significant change beyond the threshold.</summary>
    Same,

    /// <summary>Significantly slower, by more than the threshold.</summary>
    Slower,

    /// <summary>Significantly faster, by more than the threshold.</summary>
    Faster,
}

/// <summary>One compared id: medians (in the gate's unit), diff/base ratio of the medians, U and p.</summary>
public sealed record Comparison(
    string Id, double BaseMedian, double DiffMedian, double Ratio, double U, double P, Conclusion Conclusion);

/// <summary>The comparison of two runs.</summary>
public sealed record ComparisonReport(
    GateMode Mode, double Threshold, double Alpha, IReadOnlyList<Comparison> Rows,
    IReadOnlyList<string> OnlyInBase, IReadOnlyList<string> OnlyInDiff)
{
    /// <summary>Ids significantly slower: the gate fails when there is any.</summary>
    public IEnumerable<Comparison> Regressions => Rows.Where(r => r.Conclusion == Conclusion.Slower);

    /// <summary>Ids significantly faster.</summary>
    public IEnumerable<Comparison> Improvements => Rows.Where(r => r.Conclusion == Conclusion.Faster);
}

/// <summary>
/// The regression test, after dotnet/performance's ResultsComparer: for every benchmark id present in both runs,
/// the raw per-iteration samples are compared with a two-sided Mann–Whitney U test (<see cref="MannWhitney"/>).
/// The verdict is Slower (Faster) when p &lt; α AND the median moved up (down) by more than the relative threshold;
/// otherwise Same. The reference benchmarks themselves (Triad, FmaPeak) are compared only in
/// <see cref="GateMode.Time"/>; in <see cref="GateMode.Ratio"/> they are the yardstick.
/// </summary>
public static class BenchComparer
{
    /// <summary>Method names of the in-run references, in order of preference.</summary>
    public static readonly string[] ReferenceMethods = ["Triad", "FmaPeak"];

    /// <summary>Compares <paramref name="diff"/> against <paramref name="baseline"/>.</summary>
    public static ComparisonReport Compare(
        BenchRun baseline, BenchRun diff, double threshold, GateMode mode, double alpha = 0.05)
    {
        if (threshold < 0 || !double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), "threshold must be a finite fraction ≥ 0");
        }

        var b = Samples(baseline, mode);
        var d = Samples(diff, mode);
        var rows = new List<Comparison>();
        foreach (var (id, bs) in b)
        {
            if (!d.TryGetValue(id, out var ds))
            {
                continue;
            }

            var (u, p) = MannWhitney.Test(bs, ds);
            double bm = Stats.Median(bs), dm = Stats.Median(ds);
            double ratio = dm / bm;
            var verdict = p >= alpha ? Conclusion.Same
                : ratio > 1 + threshold ? Conclusion.Slower
                : ratio < 1 - threshold ? Conclusion.Faster
                : Conclusion.Same;
            rows.Add(new Comparison(id, bm, dm, ratio, u, p, verdict));
        }

        rows.Sort((x, y) => y.Ratio.CompareTo(x.Ratio));
        return new ComparisonReport(
            mode, threshold, alpha, rows,
            [.. b.Keys.Where(k => !d.ContainsKey(k)).Order()], [.. d.Keys.Where(k => !b.ContainsKey(k)).Order()]);
    }

    /// <summary>
    /// The in-run reference of <paramref name="c"/>: the Triad (else FmaPeak) case of the same class and
    /// parameters, or null when the class has none or <paramref name="c"/> is itself a reference.
    /// </summary>
    public static BenchCase? ReferenceOf(BenchRun run, BenchCase c)
    {
        if (ReferenceMethods.Contains(c.Method))
        {
            return null;
        }

        foreach (var method in ReferenceMethods)
        {
            var r = run.Cases.FirstOrDefault(x =>
                x.Type == c.Type && x.Method == method && x.ParameterKey == c.ParameterKey);
            if (r is not null)
            {
                return r;
            }
        }

        return null;
    }

    private static Dictionary<string, double[]> Samples(BenchRun run, GateMode mode)
    {
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var c in run.Cases)
        {
            if (mode == GateMode.Time)
            {
                result[c.Id] = c.Nanoseconds;
                continue;
            }

            var reference = ReferenceOf(run, c);
            if (reference is not null)
            {
                double roof = reference.Median;
                result[c.Id] = [.. c.Nanoseconds.Select(v => v / roof)];
            }
        }

        return result;
    }
}
