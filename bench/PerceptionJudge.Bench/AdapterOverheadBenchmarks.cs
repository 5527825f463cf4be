using BenchmarkDotNet.Attributes;
using PerceptionJudge.Torch;
using TorchSharp;

namespace PerceptionJudge.Bench;

/// <summary>
/// Per-op overhead of our adapter over TorchSharp: <see cref="Calls"/> separate <c>Ops.Add(a, b)</c> calls (each
/// result a <see cref="Tensor"/> owning a TorchSharp tensor, registered in our <see cref="PerceptionJudge.Torch.DisposeScope"/> and freed when
/// it closes) against the same <c>torch.add(a, b)</c> calls made on TorchSharp directly, each result disposed at once
/// (<see cref="TorchSharpDirect"/>, the baseline). Both cross TorchSharp's P/Invoke once per add; the difference is our
/// wrapper, its error translation and our scope. Times are per add (OperationsPerInvoke). <see cref="Elements"/> = 1
/// shows the fixed cost (libtorch dispatch + allocation included in both), 4096 a small activation-sized tensor.
/// </summary>
[MemoryDiagnoser]
public class AdapterOverheadBenchmarks
{
    private const int Calls = 1000;
    private Tensor? _a, _b;

    [Params(1, 4096)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        LibTorch.EnsureLoaded();
        _a = Tensor.Rand([Elements], 1);
        _b = Tensor.Rand([Elements], 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.Dispose();
        _b?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public void TorchSharpDirect()
    {
        torch.Tensor a = _a!.Torch, b = _b!.Torch;
        for (int i = 0; i < Calls; i++)
        {
            using var sum = torch.add(a, b);
        }
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public void ManagedScoped()
    {
        using var scope = LibTorch.NewDisposeScope();
        for (int i = 0; i < Calls; i++)
        {
            Ops.Add(_a!, _b!);
        }
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public void ManagedDisposeEach()
    {
        for (int i = 0; i < Calls; i++)
        {
            using var sum = Ops.Add(_a!, _b!);
        }
    }
}
