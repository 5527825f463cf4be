namespace PerceptionJudge.Kernels.Tests.LossAgg;

/// <summary>An independent double-precision statement of verl's agg_loss, for values and finite differences.</summary>
internal static class AggOracle
{
    public static double Aggregate(string mode, double[] x, double[] m, int rows, int cols)
    {
        const double eps = 1e-8;
        var rowSum = new double[rows];
        var rowCount = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            for (int t = 0; t < cols; t++)
            {
                rowSum[i] += x[i * cols + t] * m[i * cols + t];
                rowCount[i] += m[i * cols + t];
            }
        }

        int nonEmpty = rowCount.Count(c => c > 0);
        return mode switch
        {
            "token-mean" => rowSum.Sum() / (rowCount.Sum() + eps),
            "seq-mean-token-sum" =>
                Enumerable.Range(0, rows).Where(i => rowCount[i] > 0).Sum(i => rowSum[i]) / (nonEmpty + eps),
            "seq-mean-token-mean" => Enumerable.Range(0, rows).Where(i => rowCount[i] > 0)
                .Sum(i => rowSum[i] / (rowCount[i] + eps)) / (nonEmpty + eps),
            "seq-mean-token-sum-norm" => rowSum.Sum() / cols,
            _ => throw new ArgumentException(mode),
        };
    }

    /// <summary>Central difference of <paramref name="f"/> at every coordinate, in double.</summary>
    public static double[] CentralDifference(Func<double[], double> f, double[] x, double h = 1e-6)
    {
        var g = new double[x.Length];
        for (int k = 0; k < x.Length; k++)
        {
            double keep = x[k];
            x[k] = keep + h;
            double up = f(x);
            x[k] = keep - h;
            double down = f(x);
            x[k] = keep;
            g[k] = (up - down) / (2 * h);
        }

        return g;
    }

    /// <summary>|actual − expected| ≤ tol · max(max |expected|, 1e-3), elementwise.</summary>
    public static void AssertGradClose(ReadOnlySpan<float> actual, double[] expected, double tol, string what)
    {
        double scale = Math.Max(expected.Select(Math.Abs).DefaultIfEmpty(0).Max(), 1e-3);
        for (int k = 0; k < expected.Length; k++)
        {
            if (!(Math.Abs(actual[k] - expected[k]) <= tol * scale))
            {
                Assert.Fail($"{what}[{k}]: got {actual[k]:R}, expected {expected[k]:R} (scale {scale:G3})");
            }
        }
    }

    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, v => (double)v);

    public static float[] Mask(Random rng, int rows, int cols, bool withEmptyRow = true)
    {
        var m = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            int len = withEmptyRow && i % 5 == 3 ? 0 : rng.Next(1, cols + 1);
            for (int t = 0; t < len; t++)
            {
                m[i * cols + t] = 1f;
            }
        }

        return m;
    }
}
