namespace PerceptionJudge.Torch;

/// <summary>
/// Benchmark hook over the shim (bench/PerceptionJudge.Bench <c>ShimOverheadBenchmarks</c>): the same libtorch work as
/// a loop of <see cref="Ops.Add(Tensor, Tensor, double)"/> calls, done inside one native call, so the difference is the
/// cost of the C ABI, the handle and the managed <see cref="Tensor"/> per op.
/// </summary>
public static class ShimBenchmarks
{
    /// <summary>
    /// <paramref name="iterations"/> (≥ 1) times <c>at::add(a, b)</c> in C++, each result dropped; returns the last
    /// sum.
    /// </summary>
    public static Tensor AddLoop(Tensor a, Tensor b, long iterations) =>
        Tensor.Wrap(Native.pj_bench_add_loop(a.Handle, b.Handle, iterations, out var r), r);
}
