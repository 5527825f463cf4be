using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace PerceptionJudge.Bench;

/// <summary>
/// The machine's two roofs, measured in the same run as the kernels so ratios survive noisy shared machines:
/// <list type="bullet">
/// <item>Triad: <c>a = b + s·c</c> over 3 × 16M floats (192 MiB, far above LLC); 12 bytes per element.</item>
/// <item>FmaPeak: 12 independent Vector512 (or Vector256) FMA chains per thread, all threads; 2 flops per lane.</item>
/// </list>
/// GB/s = 12 · N / time; GFLOP/s = threads · Iterations · 12 · 2 · lanes / time.
/// </summary>
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class MachinePeakBenchmarks
{
    public const int Iterations = 1 << 22;
    private const int N = 1 << 24;
    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        _a = new float[N];
        _b = Enumerable.Range(0, N).Select(i => (float)i).ToArray();
        _c = Enumerable.Range(0, N).Select(i => 1f / (i + 1)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 3f);

    [Benchmark]
    public float FmaPeak()
    {
        var partial = new float[Environment.ProcessorCount];
        Parallel.For(0, partial.Length, t => partial[t] = FmaChains(1f + t * 1e-7f));
        return partial.Sum();
    }

    private static float FmaChains(float seed)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(0.999999f);
            var k = Vector512.Create(1e-7f);
            Vector512<float> a0 = Vector512.Create(seed), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < Iterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, m, k); a1 = Vector512.FusedMultiplyAdd(a1, m, k);
                a2 = Vector512.FusedMultiplyAdd(a2, m, k); a3 = Vector512.FusedMultiplyAdd(a3, m, k);
                a4 = Vector512.FusedMultiplyAdd(a4, m, k); a5 = Vector512.FusedMultiplyAdd(a5, m, k);
                a6 = Vector512.FusedMultiplyAdd(a6, m, k); a7 = Vector512.FusedMultiplyAdd(a7, m, k);
                a8 = Vector512.FusedMultiplyAdd(a8, m, k); a9 = Vector512.FusedMultiplyAdd(a9, m, k);
                a10 = Vector512.FusedMultiplyAdd(a10, m, k); a11 = Vector512.FusedMultiplyAdd(a11, m, k);
            }

            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        var m2 = Vector256.Create(0.999999f);
        var k2 = Vector256.Create(1e-7f);
        Vector256<float> b0 = Vector256.Create(seed), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0;
        Vector256<float> b6 = b0, b7 = b0, b8 = b0, b9 = b0, b10 = b0, b11 = b0;
        for (int i = 0; i < Iterations; i++)
        {
            b0 = Vector256.FusedMultiplyAdd(b0, m2, k2); b1 = Vector256.FusedMultiplyAdd(b1, m2, k2);
            b2 = Vector256.FusedMultiplyAdd(b2, m2, k2); b3 = Vector256.FusedMultiplyAdd(b3, m2, k2);
            b4 = Vector256.FusedMultiplyAdd(b4, m2, k2); b5 = Vector256.FusedMultiplyAdd(b5, m2, k2);
            b6 = Vector256.FusedMultiplyAdd(b6, m2, k2); b7 = Vector256.FusedMultiplyAdd(b7, m2, k2);
            b8 = Vector256.FusedMultiplyAdd(b8, m2, k2); b9 = Vector256.FusedMultiplyAdd(b9, m2, k2);
            b10 = Vector256.FusedMultiplyAdd(b10, m2, k2); b11 = Vector256.FusedMultiplyAdd(b11, m2, k2);
        }

        return Vector256.Sum(b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7 + b8 + b9 + b10 + b11);
    }
}
