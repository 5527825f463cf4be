using BenchmarkDotNet.Running;
using PerceptionJudge.Bench;

// `dotnet run -c Release --project bench/PerceptionJudge.Bench -- --filter '*' [--job short]`
// `--quick` selects the CI configuration (BenchConfig.Quick), `--references` adds the slow comparison references to
// it; everything else goes to BenchmarkDotNet. `pjudge bench` runs the same switcher in-process.
bool quick = args.Contains("--quick");
bool references = args.Contains("--references");
var rest = args.Where(a => a is not "--quick" and not "--references").ToArray();
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly)
    .Run(rest.Length == 0 ? ["--filter", "*"] : rest, quick ? BenchConfig.Quick(references) : BenchConfig.Full());
if (quick)
{
    // In-process runs leave HardwareIntrinsics empty; they ran here, so stamp this process's (RunStamp).
    foreach (var s in summaries)
    {
        string json = Path.Combine(s.ResultsDirectoryPath, s.Title + "-report-full.json");
        if (File.Exists(json))
        {
            PerceptionJudge.Bench.Tracking.RunStamp.FillIntrinsics(json);
        }
    }
}
