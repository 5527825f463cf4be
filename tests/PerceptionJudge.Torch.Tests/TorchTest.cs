using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>The Torch tests' fixture: <see cref="LibTorchFixture"/> plus tensor factories and comparisons.</summary>
public abstract class TorchTest : LibTorchFixture
{
    protected static Tensor F32(float[] data, params long[] shape) =>
        Tensor.From<float>(data, shape.Length == 0 ? [data.Length] : shape);

    protected static Tensor F64(double[] data, params long[] shape) =>
        Tensor.From<double>(data, shape.Length == 0 ? [data.Length] : shape);

    protected static Tensor I64(long[] data, params long[] shape) =>
        Tensor.From<long>(data, shape.Length == 0 ? [data.Length] : shape);

    protected static void AssertClose(Tensor actual, float[] expected, double tolerance = 1e-5)
    {
        var values = actual.To(DType.Float32).ToArray<float>();
        Assert.That(values, Has.Length.EqualTo(expected.Length));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(values[i], Is.EqualTo(expected[i]).Within(tolerance), $"element {i}");
        }
    }

    protected static void AssertClose(double[] actual, double[] expected, double tolerance)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance), $"element {i}");
        }
    }
}
