using PerceptionJudge.Torch;

namespace PerceptionJudge.Tests.Shared;

/// <summary>
/// Base fixture for tests over libtorch, compiled into each test project that needs it: skips with the reason when
/// TorchSharp's natives cannot load (fails on CI, whose build provides them, so a missing library is never a silent
/// skip there), runs each test inside a DisposeScope so tests need not dispose their tensors, and checks at teardown
/// that the managed and native live-tensor counts return, so modules, adapters and caches must free what they own.
/// </summary>
public abstract class LibTorchFixture
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
}
