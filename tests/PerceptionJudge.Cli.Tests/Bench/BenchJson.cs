using System.Text.Json;

namespace PerceptionJudge.Cli.Tests.Bench;

/// <summary>One synthetic benchmark case: per-iteration nanoseconds per operation.</summary>
internal sealed record FakeCase(string Type, string Method, string Parameters, double[] Nanoseconds);

/// <summary>
/// Writes BenchmarkDotNet-shaped full JSON reports (the fields <c>BenchRun</c> reads: host, FullName, Type, Method,
/// Parameters, and Workload/Result measurements) so the tracker is tested on controlled samples.
/// </summary>
internal static class BenchJson
{
    public static string Write(
        string path, IEnumerable<FakeCase> cases, string cpu = "AMD EPYC", int cores = 2,
        string intrinsics = "AVX-512F+CD+BW+DQ+VL+VBMI,AES,BMI1,BMI2,FMA VectorSize=256")
    {
        var doc = new
        {
            Title = "fake",
            HostEnvironmentInfo = new { ProcessorName = cpu, LogicalCoreCount = cores },
            Benchmarks = cases.Select(c => new
            {
                Namespace = "PerceptionJudge.Bench",
                c.Type,
                c.Method,
                c.Parameters,
                HardwareIntrinsics = intrinsics,
                FullName = $"PerceptionJudge.Bench.{c.Type}.{c.Method}" +
                           (c.Parameters.Length == 0 ? "" : $"({c.Parameters.Replace("=", ": ").Replace("&", ", ")})"),
                Measurements = c.Nanoseconds.Select((ns, i) => new
                {
                    IterationMode = "Workload",
                    IterationStage = "Result",
                    LaunchIndex = 1,
                    IterationIndex = i + 1,
                    Operations = 4,
                    Nanoseconds = ns * 4,
                }),
            }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc));
        return path;
    }

    /// <summary><paramref name="n"/> draws around <paramref name="median"/> with ±<paramref name="spread"/> noise.
    /// </summary>
    public static double[] Sample(Random rng, double median, int n = 7, double spread = 0.03) =>
        [.. Enumerable.Range(0, n).Select(_ => median * (1 + spread * (2 * rng.NextDouble() - 1)))];
}
