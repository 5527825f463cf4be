using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

/// <summary>LoRA tests' fixture: <see cref="TorchFixture"/> plus array comparison and seeded fills.</summary>
public abstract class LoraTorchTest : TorchFixture
{
    protected static void AssertClose(float[] actual, float[] expected, double tolerance, string what = "")
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance), $"{what} element {i}");
        }
    }

    /// <summary>Fills a tensor's storage with seeded values in [-scale, scale) (no autograd).</summary>
    protected static void FillRandom(Tensor t, int seed, double scale = 0.5)
    {
        var rng = new Random(seed);
        if (t.Dtype == DType.Float64)
        {
            var span = t.AsSpan<double>();
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (rng.NextDouble() * 2 - 1) * scale;
            }
            return;
        }
        var f = t.AsSpan<float>();
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        }
    }
}
