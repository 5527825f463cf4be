using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace PerceptionJudge.Bench;

/// <summary>
/// The two configurations: <see cref="Full"/> for real measurement and <see cref="Quick"/> (a short job) for CI.
/// Both report medians and ratios against the baseline of each class, keep full JSON in bench/results/, and run
/// the memory diagnoser so a hot path that allocates is visible.
/// </summary>
public static class BenchConfig
{
    public static IConfig Full() => Common(Job.Default.WithId("full"));

    public static IConfig Quick() =>
        Common(Job.ShortRun.WithId("quick").WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1));

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

    private static string FindRepoRoot()
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
