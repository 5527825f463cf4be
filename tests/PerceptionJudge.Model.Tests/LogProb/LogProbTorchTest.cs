using PerceptionJudge.Model.Tests.Support;

namespace PerceptionJudge.Model.Tests.LogProb;

/// <summary>Log-prob tests' fixture: <see cref="TorchFixture"/> plus a relative-tolerance array comparison.</summary>
public abstract class LogProbTorchTest : TorchFixture
{
    protected static void AssertClose(float[] actual, float[] expected, double tolerance, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (var i = 0; i < expected.Length; i++)
        {
            double bound = tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
            {
                Assert.Fail($"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (tol {bound:G3})");
            }
        }
    }
}
