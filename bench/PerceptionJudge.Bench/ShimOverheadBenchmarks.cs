using BenchmarkDotNet.Attributes;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Bench;

/// <summary>
/// Per-op overhead of the C# binding over libtorch: <see cref="Calls"/> separate <c>Ops.Add(a, b)</c> calls through
/// P/Invoke (each result a <see cref="Tensor"/> with a SafeHandle, registered in a <see cref="DisposeScope"/> and freed
/// when it closes) against one native call that runs the same <c>at::add(a, b)</c> <see cref="Calls"/> times in C++
/// (<c>pj_bench_add_loop</c>). Times are per add (OperationsPerInvoke), so overhead per op = Managed − NativeLoop.
/// <see cref="Elements"/> = 1 shows the fixed cost (libtorch dispatch + allocation included in both),
/// 4096 a small activation-sized tensor.
/// </summary>
[MemoryDiagnoser]
public class ShimOverheadBenchmarks
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
    public void NativeLoop()
    {
        using var sum = ShimBenchmarks.AddLoop(_a!, _b!, Calls);
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
