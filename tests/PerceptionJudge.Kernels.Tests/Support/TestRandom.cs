namespace PerceptionJudge.Kernels.Tests.Support;

/// <summary>Seeded randomness and float helpers shared by every kernel fixture.</summary>
internal static class TestRandom
{
    /// <summary>The house seed (DESIGN.md, style 4).</summary>
    public const int Seed = 20261122;

    public static Random Create(int salt = 0) => new(Seed + salt);

    public static float[] Normal(Random rng, int n, float mean = 0f, float std = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            a[i] = mean + std * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return a;
    }

    /// <summary>Relative-or-absolute closeness: |a-b| ≤ tol·max(1, |b|).</summary>
    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tol, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < actual.Length; i++)
        {
            double bound = tol * Math.Max(1.0, Math.Abs(expected[i]));
            if (!(Math.Abs(actual[i] - expected[i]) <= bound) && !(float.IsNaN(actual[i]) && float.IsNaN(expected[i])))
            {
                Assert.Fail($"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (tol {bound:G3})");
            }
        }
    }
}
