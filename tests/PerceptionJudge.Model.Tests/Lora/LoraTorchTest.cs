using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

/// <summary>
/// Base fixture (the pattern of tests/PerceptionJudge.Torch.Tests/TorchTest.cs): skips with the reason when
/// libpjtorch cannot load (fails on CI, which installs it), runs each test inside a DisposeScope and checks that
/// the live-handle counts return, so modules and adapters must free what they own.
/// </summary>
public abstract class LoraTorchTest
{
    private DisposeScope? _scope;
    private long _liveAtStart;
    private long _nativeLiveAtStart;

    [OneTimeSetUp]
    public void LoadLibTorch()
    {
        if (!LibTorch.TryLoad(out var reason))
        {
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

    protected static float[] Values(Tensor t) => t.To(DType.Float32).ToArray<float>();

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
