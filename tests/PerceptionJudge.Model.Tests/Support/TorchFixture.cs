using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Support;

/// <summary>
/// Base fixture for tests over libtorch (the pattern of tests/PerceptionJudge.Torch.Tests/TorchTest.cs): skips with
/// the reason when libpjtorch cannot load (fails on CI, which installs it), runs each test inside a DisposeScope and
/// checks that the live-handle counts return, so modules, adapters and caches must free what they own.
/// </summary>
public abstract class TorchFixture
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

    /// <summary>The tensor's values as float32, detached and contiguous.</summary>
    protected static float[] Values(Tensor t) => t.Detach().To(DType.Float32).Contiguous().ToArray<float>();
}
