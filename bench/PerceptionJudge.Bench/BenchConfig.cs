using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace PerceptionJudge.Bench;

/// <summary>
/// The two configurations: <see cref="Full"/> for real measurement and <see cref="Quick"/> for CI.
/// Both report medians and ratios against the baseline of each class, keep full JSON in bench/results/, and run
/// the memory diagnoser so a hot path that allocates is visible.
/// <list type="bullet">
/// <item>Full: BenchmarkDotNet's default job (a separate process per benchmark, adaptive iteration counts).</item>
/// <item>Quick: in-process (no per-benchmark build or process start), 1 warm-up and 5 measured iterations of at
/// least 100 ms each, only the first value of every <c>[Params]</c> (each class lists its main, above-LLC size
/// first), only the kernel-family classes (<see cref="KernelCategory"/>) less their secondary variants
/// (<see cref="SecondaryCategory"/>), and without the slow comparison
/// references unless asked (<see cref="IsComparisonReference"/>). Five iterations suffice for the Mann–Whitney
/// gate: the smallest two-sided p for 5 against 5 values is 2/252 ≈ 0.008.</item>
/// </list>
/// </summary>
public static class BenchConfig
{
    public static IConfig Full() => Common(Job.Default.WithId("full"));

    public static IConfig Quick(bool withReferences = false) =>
        Common(Job.Dry.WithId("quick")
                .WithStrategy(RunStrategy.Throughput)
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(100)))
            .AddFilter(new SimpleFilter(c =>
                FirstParamsOnly(c) && c.Descriptor.HasCategory(KernelCategory)
                && !c.Descriptor.HasCategory(SecondaryCategory)
                && (withReferences || !IsComparisonReference(c.Descriptor.WorkloadMethod.Name))));

    /// <summary>
    /// The slow comparison references (scalar spec, op-by-op TensorPrimitives, op-by-op libtorch, unfused stages):
    /// methods named <c>Reference*</c>, <c>*Reference</c>, <c>Eager*</c>, <c>Torch*</c> or <c>OneAtATime</c>.
    /// The CI gate skips them; the roofs (Triad, FmaPeak) and the fast kernels always run.
    /// </summary>
    public static bool IsComparisonReference(string method) =>
        method.StartsWith("Reference", StringComparison.Ordinal)
        || method.EndsWith("Reference", StringComparison.Ordinal)
        || method.StartsWith("Eager", StringComparison.Ordinal) || method.StartsWith("Torch", StringComparison.Ordinal)
        || method == "OneAtATime";

    /// <summary>The category of the kernel-family classes: the only ones <see cref="Quick"/> runs.</summary>
    public const string KernelCategory = "Kernel";

    /// <summary>Secondary variants of a family (other ops, stages): measured by the full run only.</summary>
    public const string SecondaryCategory = "Secondary";

    /// <summary>True when every parameter of the case has the first value its [Params] lists.</summary>
    public static bool FirstParamsOnly(BenchmarkCase c) =>
        c.Parameters.Items.All(p => p.Definition.Values.Length == 0 || Equals(p.Value, p.Definition.Values[0]));

    private static IConfig Common(Job job) =>
        ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .AddExporter(JsonExporter.Full)
            .WithArtifactsPath(Path.Combine(FindRepoRoot(), "bench", "results"))
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);

    /// <summary>
    /// The repository root (the folder holding PerceptionJudge.sln above the binaries), else the working folder.
    /// </summary>
    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PerceptionJudge.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
