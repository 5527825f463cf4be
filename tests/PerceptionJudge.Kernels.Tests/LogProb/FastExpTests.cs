using System.Runtime.Intrinsics;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LogProb;

[TestFixture]
public sealed class FastExpTests
{
    [Test]
    public void Exp_IsWithinTwoUlpAndLanesAgreeWithScalar()
    {
        var rng = TestRandom.Create(5);
        var lanes = new float[16];
        double worst = 0;
        for (int k = 0; k < 20_000; k++)
        {
            for (int j = 0; j < 16; j++)
            {
                lanes[j] = (float)(rng.NextDouble() * -87 + 1);
            }

            var v512 = FastExp.Exp(Vector512.Create(lanes));
            var v256 = FastExp.Exp(Vector256.Create(lanes.AsSpan(0, 8)));
            for (int j = 0; j < 16; j++)
            {
                float s = FastExp.Exp(lanes[j]);
                Assert.That(v512[j], Is.EqualTo(s), $"lane {j} of e^{lanes[j]}");
                Assert.That(j >= 8 || v256[j] == s, Is.True, $"256 lane {j}");
                worst = Math.Max(worst, Math.Abs(s - Math.Exp(lanes[j])) / Math.Exp(lanes[j]));
            }
        }

        Assert.That(worst, Is.LessThan(2 * 5.97e-8));
    }

    [Test]
    public void Exp_FlushesBelowCutoffAndPropagatesNaN()
    {
        Assert.That(FastExp.Exp(0f), Is.EqualTo(1f));
        Assert.That(FastExp.Exp(-1e4f), Is.Zero);
        Assert.That(FastExp.Exp(Vector512.Create(float.NegativeInfinity))[3], Is.Zero);
        Assert.That(float.IsNaN(FastExp.Exp(float.NaN)), Is.True);
        Assert.That(float.IsNaN(FastExp.Exp(Vector512.Create(float.NaN))[0]), Is.True);
        Assert.That(float.IsNaN(FastExp.Exp(Vector256.Create(float.NaN))[0]), Is.True);
    }
}
