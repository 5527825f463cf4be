using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>
/// Base fixture: skips (with the reason) when libpjtorch cannot load, and runs each test inside a DisposeScope so
/// tests need not dispose their tensors; the scope's teardown also checks that the live-handle count returns.
/// </summary>
public abstract class TorchTest
{
    private DisposeScope? _scope;
    private long _liveAtStart;
    private long _nativeLiveAtStart;

    [OneTimeSetUp]
    public void LoadLibTorch()
    {
        if (!LibTorch.TryLoad(out var reason))
        {
            // CI installs libtorch, so there a missing library is a failure, never a skip.
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(reason);
            }
            Assert.Ignore(reason);
        }
    }

    [SetUp]
    public void OpenScope()
    {
        _liveAtStart = LibTorch.LiveTensors;
        _nativeLiveAtStart = LibTorch.NativeLiveTensors;
        _scope = LibTorch.NewDisposeScope();
    }

    [TearDown]
    public void CloseScope()
    {
        _scope?.Dispose();
        _scope = null;
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(_liveAtStart), "tensor handles leaked by the test");
        Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(_nativeLiveAtStart), "native tensors leaked by the test");
    }

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
