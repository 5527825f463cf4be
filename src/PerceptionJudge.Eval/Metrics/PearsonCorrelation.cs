namespace PerceptionJudge.Eval.Metrics;

/// <summary>
/// Pearson's r, the MLLM-as-a-Judge scoring metric ("Pearson similarity" between judge and human scores, Chen et
/// al. 2024, §3), with the semantics of <c>scipy.stats.pearsonr</c>:
/// <c>r = Σ(x−x̄)(y−ȳ) / sqrt(Σ(x−x̄)² · Σ(y−ȳ)²)</c>, means removed first (two passes, in double), the result
/// clipped to [−1, 1]. Undefined cases give NaN, never an exception: fewer than 2 points (scipy raises), or a constant
/// input (scipy returns NaN with a warning). Reports print NaN as "n/a".
/// </summary>
public static class PearsonCorrelation
{
    /// <summary>r of the paired samples; NaN when n &lt; 2, an input is constant, or a value is not finite.</summary>
    public static double Compute(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"x has {x.Length} values and y {y.Length}; Pearson needs pairs", nameof(y));
        }

        int n = x.Length;
        if (n < 2)
        {
            return double.NaN;
        }

        double meanX = 0, meanY = 0;
        for (int i = 0; i < n; i++)
        {
            meanX += x[i];
            meanY += y[i];
        }

        meanX /= n;
        meanY /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        if (sxx == 0 || syy == 0 || !double.IsFinite(sxy * sxx * syy))
        {
            return double.NaN;
        }

        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>
    /// Why <see cref="Compute"/> is NaN for the judge's scores <paramref name="judge"/> against the human scores
    /// <paramref name="human"/>, in words for a report (<c>the judge gave every parsed record the score 1</c>), or
    /// null when r is defined.
    /// </summary>
    public static string? WhyUndefined(ReadOnlySpan<double> judge, ReadOnlySpan<double> human)
    {
        if (!double.IsNaN(Compute(judge, human)))
        {
            return null;
        }

        static string Value(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return judge.Length == 0 ? "no score judgment parsed; r needs 2"
            : judge.Length == 1 ? "only 1 score judgment parsed; r needs 2"
            : IsConstant(judge) ? $"the judge gave every parsed record the same score ({Value(judge[0])}), so r is 0/0"
            : IsConstant(human) ? $"every human score is {Value(human[0])}, so r is 0/0"
            : "a score is not finite";
    }

    private static bool IsConstant(ReadOnlySpan<double> v)
    {
        foreach (double x in v)
        {
            if (x != v[0])
            {
                return false;
            }
        }

        return true;
    }
}
