using System.Globalization;
using System.Text;

namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// One row of the kernels-against-roofline table: the fast kernel of a class, the work it must do per call (bytes
/// for a bandwidth-bound kernel, flops for a compute-bound one), and the methods of the same class measured as
/// comparison references.
/// </summary>
public sealed record KernelRow(
    string Label,
    string Type,
    string Method,
    string Parameters,
    string Size,
    Func<IReadOnlyDictionary<string, string>, double>? Bytes,
    Func<IReadOnlyDictionary<string, string>, double>? Flops,
    string? Scalar = null,
    double ScalarScale = 1,
    string? Eager = null,
    string? Torch = null);

/// <summary>
/// Renders the README's benchmark table from a BenchmarkDotNet full JSON: per kernel, the median time, GB/s (or
/// GFLOP/s), % of the roof measured in the same run and class (triad bandwidth, or the FMA peak), and the speed-up
/// against the scalar reference, the TensorPrimitives op-by-op version and the libtorch op-by-op version
/// (median of the reference / median of the kernel). Bytes per call follow each class's doc comment.
/// </summary>
public static class KernelTable
{
    private const double M = 1 << 20;

    /// <summary>The rows, in README order. Sizes are each class's first (main) parameter values.</summary>
    public static IReadOnlyList<KernelRow> Rows { get; } =
    [
        new("GRPO advantage, fused one pass (verl semantics, NaN checks)", "AdvantageBenchmarks", "CpuGrpo",
            "GroupSize=8&Rewards=16777216", "16M rewards, groups of 8", p => 28 * AdvantageRows(p), null,
            "ReferenceGrpo", 1, "EagerGrpo", "TorchGrpo"),
        new("GRPO advantage", "AdvantageBenchmarks", "CpuGrpo", "GroupSize=5&Rewards=16777216",
            "16M rewards, groups of 5", p => 28 * AdvantageRows(p), null, "ReferenceGrpo", 1, "EagerGrpo", "TorchGrpo"),
        new("policy loss + d/dlogp (dual-clip PPO, token-mean)", "PolicyLossBenchmarks", "Cpu", "N=8388608",
            "8M tokens", p => 24 * Num(p, "N"), null, "Reference", 1, "Eager", "Torch"),
        new("KL low_var_kl (k3) + d/dlogp", "KlBenchmarks", "Cpu", "N=8388608", "8M tokens",
            p => 16 * Num(p, "N"), null, "Reference", 1, "Eager", "Torch"),
        new("entropy + chosen log-prob from logits, forward", "LogProbBenchmarks", "Cpu",
            "Tokens=512&Vocab=32768", "512 × 32768", p => 4 * Num(p, "Tokens") * Num(p, "Vocab"), null,
            "Reference", 1, "Eager", "Torch"),
        new("the same, backward (d logits)", "LogProbBenchmarks", "CpuBackward", "Tokens=512&Vocab=32768",
            "512 × 32768", p => 12 * Num(p, "Tokens") * Num(p, "Vocab"), null),
        new("fused multi-tensor AdamW (7 tensors)", "OptimBenchmarks", "Cpu", "Clip=False", "16M params",
            _ => 32 * 16 * M, null, "Reference", 1, "Eager", "Torch"),
        new("fused AdamW + global grad-norm clip", "OptimBenchmarks", "Cpu", "Clip=True", "16M params",
            _ => 32 * 16 * M, null, "Reference", 1, "Eager", "Torch"),
        new("perturbation chain, fused (brightness, contrast, saturation, hashed noise)", "PerturbBenchmarks",
            "FusedChain", "Images=32", "32 × 3 × 448²", p => 8 * Num(p, "Images") * 3 * 448 * 448, null,
            "ReferenceChain", 1, "Eager", "Torch"),
        new("LoRA merge W += (α/r)·B·A", "LoraBenchmarks", "Cpu", "", "4096², r = 32", null,
            _ => 2.0 * 4096 * 4096 * 32, "ReferenceSmall", 16, "Eager", "Torch"),
        new("batch-ranking reward (parse + discordant pairs)", "RankingBenchmarks", "BatchRankingCpu",
            "Rows=1000000", "1M rollouts, n = 5", null, null, "BatchRankingReference"),
        new("normalised Levenshtein (bit-parallel)", "RankingBenchmarks", "LevenshteinCpu", "Rows=1000000",
            "1M pairs, 8–40 chars", null, null, "LevenshteinReference"),
    ];

    /// <summary>The markdown table (header, machine roofs, one line per row found in <paramref name="run"/>).</summary>
    public static string Render(BenchRun run)
    {
        var sb = new StringBuilder();
        var (triadGbs, fmaGflops) = MachineRoofs(run);
        sb.Append(CultureInfo.InvariantCulture,
            $"Machine roofs in this run ({run.Machine}): triad {Fmt(triadGbs)} GB/s, " +
            $"FMA peak {Fmt(fmaGflops)} GFLOP/s.\n\n");
        sb.Append("| kernel (CPU backend) | size | median | throughput | % of roof | vs scalar | " +
                  "vs TensorPrimitives op by op | vs libtorch op by op |\n");
        sb.Append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var row in Rows)
        {
            var kernel = Find(run, row.Type, row.Method, row.Parameters);
            if (kernel is null)
            {
                continue;
            }

            double seconds = kernel.Median * 1e-9;
            string throughput = "", roof = "";
            var reference = BenchComparer.ReferenceOf(run, kernel);
            if (row.Bytes is not null)
            {
                double gbs = row.Bytes(kernel.Parameters) / seconds / 1e9;
                throughput = $"{Fmt(gbs)} GB/s";
                if (reference is { Method: "Triad" })
                {
                    double triad = 12 * TriadElements(row.Type, kernel.Parameters) / (reference.Median * 1e-9) / 1e9;
                    roof = double.IsNaN(triad) ? "" : $"{100 * gbs / triad:0}%";
                }
            }
            else if (row.Flops is not null)
            {
                double gflops = row.Flops(kernel.Parameters) / seconds / 1e9;
                throughput = $"{Fmt(gflops)} GFLOP/s";
                if (reference is { Method: "FmaPeak" })
                {
                    roof = $"{100 * gflops / (FmaFlops(run) / (reference.Median * 1e-9) / 1e9):0}%";
                }
            }

            sb.Append(CultureInfo.InvariantCulture,
                $"| {row.Label} | {row.Size} | {Time(kernel.Median)} | {throughput} | {roof} | " +
                $"{Speedup(run, row, row.Scalar, kernel, row.ScalarScale)} | " +
                $"{Speedup(run, row, row.Eager, kernel, 1)} | " +
                $"{Speedup(run, row, row.Torch, kernel, 1)} |\n");
        }

        return sb.ToString();
    }

    /// <summary>Triad GB/s and FMA GFLOP/s of <c>MachinePeakBenchmarks</c> in this run (NaN when absent).</summary>
    public static (double TriadGbs, double FmaGflops) MachineRoofs(BenchRun run)
    {
        var triad = Find(run, "MachinePeakBenchmarks", "Triad", "");
        var fma = Find(run, "MachinePeakBenchmarks", "FmaPeak", "");
        return (triad is null ? double.NaN : 12.0 * (1 << 24) / triad.Median,
            fma is null ? double.NaN : FmaFlops(run) / fma.Median);
    }

    // MachinePeakBenchmarks.FmaPeak: threads · Iterations · 12 chains · 2 flops · lanes, where lanes is 16 when the
    // run had AVX-512 (FmaChains takes its Vector512 path) and 8 otherwise (Vector256).
    private static double FmaFlops(BenchRun run) =>
        Math.Max(1, run.Machine.Cores) * (double)MachinePeakBenchmarks.Iterations * 12 * 2 *
        (run.Machine.Isa == "avx512" ? 16 : 8);

    private static double TriadElements(string type, IReadOnlyDictionary<string, string> p) => type switch
    {
        "AdvantageBenchmarks" => AdvantageRows(p),
        "PolicyLossBenchmarks" or "KlBenchmarks" => Num(p, "N"),
        "LogProbBenchmarks" => Num(p, "Tokens") * Num(p, "Vocab"),
        "OptimBenchmarks" => 16 * M,
        "PerturbBenchmarks" => Num(p, "Images") * 3 * 448 * 448,
        _ => double.NaN,
    };

    private static string Speedup(BenchRun run, KernelRow row, string? method, BenchCase kernel, double scale)
    {
        if (method is null)
        {
            return "";
        }

        var other = Find(run, row.Type, method, kernel.ParameterKey);
        return other is null ? "" : $"{Fmt(other.Median * scale / kernel.Median)}×";
    }

    private static BenchCase? Find(BenchRun run, string type, string method, string parameters)
    {
        string key = string.Join("&", BenchRun.ParseParameters(parameters).Select(kv => $"{kv.Key}={kv.Value}"));
        return run.Cases.FirstOrDefault(c => c.Type == type && c.Method == method && c.ParameterKey == key);
    }

    private static double AdvantageRows(IReadOnlyDictionary<string, string> p)
    {
        double g = Num(p, "GroupSize");
        return Math.Floor(Num(p, "Rewards") / g) * g;
    }

    private static double Num(IReadOnlyDictionary<string, string> p, string key) =>
        double.Parse(p[key], CultureInfo.InvariantCulture);

    private static string Time(double ns) =>
        ns >= 1e9 ? $"{ns / 1e9:0.00} s" : ns >= 1e6 ? $"{ns / 1e6:0.00} ms" : $"{ns / 1e3:0.0} µs";

    private static string Fmt(double x) =>
        double.IsNaN(x) ? "n/a" : x >= 100 ? x.ToString("0", CultureInfo.InvariantCulture)
        : x >= 10 ? x.ToString("0.0", CultureInfo.InvariantCulture) : x.ToString("0.00", CultureInfo.InvariantCulture);
}
