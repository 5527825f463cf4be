using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.LogProb;

/// <summary>
/// Base fixture of the libtorch-backed Model tests (the pattern of tests/PerceptionJudge.Torch.Tests/TorchTest.cs):
/// skips with the reason when libpjtorch cannot load (fails on CI, which installs it), runs each test in a
/// DisposeScope and checks that the live-handle counts return to where they started.
/// </summary>
public abstract class LogProbTorchTest
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
