namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// Two-sided Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples, as dotnet/performance's
/// ResultsComparer applies it to the per-iteration measurements of one benchmark id.
/// <list type="bullet">
/// <item>U_x = R_x − n_x(n_x + 1)/2 with R_x the sum of x's ranks in the pooled sample (ties get the mean rank);
/// U_x + U_y = n_x·n_y.</item>
/// <item>Exact p-value (no ties, both samples at most <see cref="ExactLimit"/> values): P(U ≤ min U) counted over
/// all C(n, n_x)
/// arrangements, doubled, capped at 1.</item>
/// <item>Otherwise the normal approximation with tie correction and a 0.5 continuity correction:
/// σ² = n_x·n_y/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))), z = (|U_x − n_x·n_y/2| − 0.5)/σ,
/// p = 2·(1 − Φ(z)).</item>
/// </list>
/// Textbook check: x = {1, 2, 3}, y = {4, 5, 6} gives U_x = 0 and exact p = 2/20 = 0.1.
/// </summary>
public static class MannWhitney
{
    /// <summary>Largest sample size for which the exact distribution is counted.</summary>
    public const int ExactLimit = 20;

    /// <summary>U of the first sample and the two-sided p-value.</summary>
    public static (double U, double P) Test(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int nx = x.Count, ny = y.Count;
        if (nx == 0 || ny == 0)
        {
            throw new ArgumentException("Mann–Whitney needs at least one value in each sample");
        }

        var pooled = x.Select(v => (Value: v, First: true)).Concat(y.Select(v => (Value: v, First: false)))
            .OrderBy(p => p.Value).ToArray();
        double rankSumX = 0, tieTerm = 0;
        for (int i = 0; i < pooled.Length;)
        {
            int j = i;
            while (j < pooled.Length && pooled[j].Value == pooled[i].Value)
            {
                j++;
            }

            double meanRank = (i + 1 + j) / 2.0; // ranks i+1 .. j
            for (int k = i; k < j; k++)
            {
                if (pooled[k].First)
                {
                    rankSumX += meanRank;
                }
            }

            double t = j - i;
            tieTerm += t * t * t - t;
            i = j;
        }

        double u = rankSumX - nx * (nx + 1) / 2.0;
        double p = tieTerm == 0 && nx <= ExactLimit && ny <= ExactLimit
            ? ExactP(nx, ny, u)
            : NormalP(nx, ny, u, tieTerm);
        return (u, p);
    }

    /// <summary>Exact two-sided p: 2·P(U ≤ min(u, nx·ny − u)), the null distribution counted by recursion.
    /// </summary>
    private static double ExactP(int nx, int ny, double u)
    {
        int tail = (int)Math.Floor(Math.Min(u, (double)nx * ny - u));

        // f[m, n, k]: arrangements of m x-values and n y-values with U = k. Recurrence on the largest value:
        // it is an x (which adds n to U) or a y (which adds nothing):
        // f(m, n, k) = f(m − 1, n, k − n) + f(m, n − 1, k).
        var f = new double[nx + 1, ny + 1, nx * ny + 1];
        for (int m = 0; m <= nx; m++)
        {
            for (int n = 0; n <= ny; n++)
            {
                if (m == 0 || n == 0)
                {
                    f[m, n, 0] = 1;
                    continue;
                }

                for (int k = 0; k <= m * n; k++)
                {
                    double viaX = k >= n ? f[m - 1, n, k - n] : 0;
                    double viaY = k <= m * (n - 1) ? f[m, n - 1, k] : 0;
                    f[m, n, k] = viaX + viaY;
                }
            }
        }

        double total = 0, below = 0;
        for (int k = 0; k <= nx * ny; k++)
        {
            total += f[nx, ny, k];
            if (k <= tail)
            {
                below += f[nx, ny, k];
            }
        }

        return Math.Min(1, 2 * below / total);
    }

    private static double NormalP(int nx, int ny, double u, double tieTerm)
    {
        double n = nx + ny;
        double variance = nx * (double)ny / 12 * (n + 1 - tieTerm / (n * (n - 1)));
        if (variance <= 0)
        {
            return 1; // every value tied: no evidence of a difference
        }

        double z = Math.Max(0, Math.Abs(u - nx * (double)ny / 2) - 0.5) / Math.Sqrt(variance);
        return Math.Min(1, 2 * (1 - NormalCdf(z)));
    }

    /// <summary>Φ(z) = erfc(−z/√2)/2, erfc by the Chebyshev fit of Numerical Recipes' <c>erfcc</c> (relative error
    /// below 1.2e-7).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
