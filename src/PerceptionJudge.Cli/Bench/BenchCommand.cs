using System.CommandLine;
using System.Globalization;
using BenchmarkDotNet.Running;
using PerceptionJudge.Bench;
using PerceptionJudge.Bench.Tracking;

namespace PerceptionJudge.Cli.Bench;

/// <summary>
/// <c>pjudge bench</c>: runs the BenchmarkDotNet suite in this process (<c>--quick</c>: the CI job, see
/// <see cref="BenchConfig.Quick"/>), prints the kernels-against-roofline table and, with <c>--gate</c>, compares the
/// run with the stored baseline of this machine's fingerprint. Subcommands: <c>compare</c>, <c>baseline</c>,
/// <c>history</c>, <c>table</c>. Exit codes: 0 success, 2 bad input, 3 a significant regression.
/// </summary>
internal static class BenchCommand
{
    public const int Regression = 3;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var quick = new Option<bool>("--quick")
        {
            Description = "The CI job: in-process, short, main sizes, no slow references",
        };
        var references = new Option<bool>("--references")
        {
            Description = "With --quick: also run the scalar, TensorPrimitives and libtorch op-by-op references",
        };
        var filter = new Option<string>("--filter")
        {
            Description = "BenchmarkDotNet glob over Class.Method",
            DefaultValueFactory = _ => "*",
        };
        var gate = new Option<string?>("--gate")
        {
            Description = "After the run, compare with bench/baselines/<fingerprint>.json at this threshold (e.g. 25%)",
        };
        var threads = ThreadPolicy.Create(ThreadPolicy.LibTorchDefault);
        var bench = new Command("bench", "Run the kernel benchmarks (BenchmarkDotNet); JSON goes to bench/results/")
        {
            quick, references, filter, gate, threads,
        };
        bench.SetAction(parse =>
        {
            ThreadPolicy.Apply(parse, threads);
            string? threshold = parse.GetValue(gate);
            double? gateThreshold = threshold is null ? null : ParseThreshold(threshold);
            var config = parse.GetValue(quick) ? BenchConfig.Quick(parse.GetValue(references)) : BenchConfig.Full();
            var started = DateTime.UtcNow.AddSeconds(-1);
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly)
                .Run(["--filter", parse.GetValue(filter)!], config).ToList();

            // BenchmarkDotNet names the export after the joined title or, for a single class, the class: take the
            // full JSON this run wrote.
            var json = summaries.Select(s => s.ResultsDirectoryPath).Distinct()
                .Where(Directory.Exists)
                .SelectMany(d => new DirectoryInfo(d).EnumerateFiles("*-report-full.json"))
                .Where(f => f.LastWriteTimeUtc >= started)
                .OrderByDescending(f => f.LastWriteTimeUtc)
                .Select(f => f.FullName)
                .ToList();
            if (json.Count == 0)
            {
                throw new CliInputException("--filter", "no benchmark matched (no result JSON was written)");
            }

            if (parse.GetValue(quick))
            {
                RunStamp.FillIntrinsics(json[0]); // in-process: the benchmarks ran in this process
            }

            var run = BenchRun.Load(json[0]);
            stdout.WriteLine($"results: {json[0]}");
            stdout.WriteLine(KernelTable.Render(run));
            var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success).ToList();
            foreach (var r in failed)
            {
                stderr.WriteLine($"benchmark failed: {r.BenchmarkCase.DisplayInfo}");
            }

            int gated = gateThreshold is double t ? Gate(run, t, stdout) : PjudgeApp.Success;
            return failed.Count > 0 ? PjudgeApp.InternalError : gated;
        });
        bench.Add(CompareCommand(stdout));
        bench.Add(BaselineCommand(stdout));
        bench.Add(HistoryCommand(stdout));
        bench.Add(TableCommand(stdout));
        return bench;
    }

    /// <summary>"5%" or "0.05" as a fraction.</summary>
    public static double ParseThreshold(string text)
    {
        string t = text.Trim();
        bool percent = t.EndsWith('%');
        if (!double.TryParse(percent ? t[..^1] : t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            || v < 0 || !double.IsFinite(v))
        {
            throw new CliInputException(
                "threshold", $"expected a percentage like 5% or a fraction like 0.05, got '{text}'");
        }

        return percent ? v / 100 : v;
    }

    /// <summary>The stored baseline of <paramref name="machine"/>: bench/baselines/&lt;key&gt;.json.</summary>
    public static string BaselinePath(MachineFingerprint machine) =>
        Path.Combine(BenchConfig.FindRepoRoot(), "bench", "baselines", machine.Key + ".json");

    private static int Gate(BenchRun run, double threshold, TextWriter stdout)
    {
        string path = BaselinePath(run.Machine);
        if (!File.Exists(path))
        {
            stdout.WriteLine($"gate: no baseline for {run.Machine} ({path}); nothing to compare. " +
                             "Store one with `pjudge bench baseline --from <run.json>`.");
            return PjudgeApp.Success;
        }

        var report = BenchComparer.Compare(BenchRun.Load(path), run, threshold, GateMode.Ratio);
        ComparisonPrinter.Print(report, stdout);
        return report.Regressions.Any() ? Regression : PjudgeApp.Success;
    }

    private static Command CompareCommand(TextWriter stdout)
    {
        var baseFile = new Option<string?>("--base")
        {
            Description = "Baseline JSON (default: bench/baselines/<fingerprint of --diff>.json)",
        };
        var diffFile = new Option<string>("--diff") { Description = "The new run's full JSON", Required = true };
        var threshold = new Option<string>("--threshold")
        {
            Description = "Relative change that counts (5% or 0.05)",
            DefaultValueFactory = _ => "5%",
        };
        var mode = new Option<string>("--gate")
        {
            Description = "ratio: time over the in-run triad/FMA roof (robust to machine load); time: raw ns",
            DefaultValueFactory = _ => "ratio",
        };
        mode.AcceptOnlyFromAmong("ratio", "time");
        var alpha = new Option<double>("--alpha")
        {
            Description = "Significance level",
            DefaultValueFactory = _ => 0.05,
        };
        var compare = new Command(
            "compare", "Mann–Whitney comparison of two runs; exit 3 on a significant regression")
        {
            baseFile, diffFile, threshold, mode, alpha,
        };
        compare.SetAction(parse =>
        {
            var diff = Load(parse.GetValue(diffFile)!);
            string basePath = parse.GetValue(baseFile) ?? BaselinePath(diff.Machine);
            if (!File.Exists(basePath))
            {
                throw new CliInputException("--base", $"{basePath} does not exist (no baseline for {diff.Machine})");
            }

            double a = parse.GetValue(alpha);
            if (!(a > 0 && a < 1))
            {
                throw new CliInputException("--alpha", $"must lie in (0, 1), got {a}");
            }

            var report = BenchComparer.Compare(
                Load(basePath), diff, ParseThreshold(parse.GetValue(threshold)!),
                parse.GetValue(mode) == "time" ? GateMode.Time : GateMode.Ratio, a);
            ComparisonPrinter.Print(report, stdout);
            return report.Regressions.Any() ? Regression : PjudgeApp.Success;
        });
        return compare;
    }

    private static Command BaselineCommand(TextWriter stdout)
    {
        var from = new Option<string>("--from") { Description = "A run's full JSON to store", Required = true };
        var baseline = new Command("baseline", "Store a run as the baseline of its machine fingerprint") { from };
        baseline.SetAction(parse =>
        {
            string source = parse.GetValue(from)!;
            var run = Load(source);
            string path = BaselinePath(run.Machine);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(source, path, overwrite: true);
            stdout.WriteLine($"baseline for {run.Machine}: {path} ({run.Cases.Count} benchmarks)");
            return PjudgeApp.Success;
        });
        return baseline;
    }

    private static Command HistoryCommand(TextWriter stdout)
    {
        var results = new Option<string[]>("--results")
        {
            Description = "Folders holding *-report-full.json (default: bench/results)",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "HTML file to write",
            DefaultValueFactory = _ => Path.Combine("artifacts", "bench-history.html"),
        };
        var filter = new Option<string?>("--filter") { Description = "Only ids containing this text" };
        var mode = new Option<string>("--gate") { Description = "ratio or time", DefaultValueFactory = _ => "ratio" };
        mode.AcceptOnlyFromAmong("ratio", "time");
        var history = new Command("history", "HTML/SVG trend of every benchmark over stored runs")
        {
            results, output, filter, mode,
        };
        history.SetAction(parse =>
        {
            string root = BenchConfig.FindRepoRoot();
            var folders = parse.GetValue(results) is { Length: > 0 } given
                ? given
                : [Path.Combine(root, "bench", "results")];
            var runs = Guarded(() => HistoryReport.LoadRuns(folders));
            if (runs.Count == 0)
            {
                throw new CliInputException(
                    "--results", $"no *-report-full.json under {string.Join(", ", folders)}");
            }

            string path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, HistoryReport.Render(
                runs, parse.GetValue(mode) == "time" ? GateMode.Time : GateMode.Ratio, parse.GetValue(filter)));
            stdout.WriteLine($"history of {runs.Count} runs: {path}");
            return PjudgeApp.Success;
        });
        return history;
    }

    private static Command TableCommand(TextWriter stdout)
    {
        var from = new Option<string>("--from") { Description = "A run's full JSON", Required = true };
        var table = new Command("table", "The kernels-against-roofline markdown table of one run") { from };
        table.SetAction(parse =>
        {
            stdout.Write(KernelTable.Render(Load(parse.GetValue(from)!)));
            return PjudgeApp.Success;
        });
        return table;
    }

    private static BenchRun Load(string path) => Guarded(() => BenchRun.Load(path));

    private static T Guarded<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (InvalidDataException e)
        {
            throw new CliInputException("result file", e.Message);
        }
    }
}
