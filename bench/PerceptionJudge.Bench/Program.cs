using BenchmarkDotNet.Running;
using PerceptionJudge.Bench;

// `dotnet run -c Release --project bench/PerceptionJudge.Bench -- --filter '*' [--job short]`
// `--quick` selects the CI configuration (BenchConfig.Quick), `--references` adds the slow comparison references to
// it; everything else goes to BenchmarkDotNet. `pjudge bench` runs the same switcher in-process.
// `mpirun -np K dotnet PerceptionJudge.Bench.dll allreduce [--max-mib N]` measures all-reduce bandwidth instead
// (AllReduceBandwidth; BenchmarkDotNet cannot run under mpirun).
// `--vulkan-roofline [--scale gpu|small] [--reps N] [--out FILE] [--no-check]` times every ported Vulkan kernel on
// resident buffers against an in-run Vulkan triad and the Cpu backend (VulkanRoofline; no libtorch).
if (args.Length > 0 && args[0] == "allreduce")
{
    Environment.ExitCode = AllReduceBandwidth.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] is "--vulkan-roofline" or "vulkan-roofline")
{
    Environment.ExitCode = VulkanRoofline.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "--backbone")
{
    // `--backbone [--threads N] [--filter PATTERN]`: BackboneBenchmarks at one libtorch thread count (docs/torchsharp.md).
    int at = Array.IndexOf(args, "--threads");
    BackboneBenchmarks.Threads = at > 0 ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 1;
    int filter = Array.IndexOf(args, "--filter");
    BenchmarkSwitcher.FromTypes([typeof(BackboneBenchmarks)])
        .Run(["--filter", filter > 0 ? args[filter + 1] : "*"], BackboneBenchmarks.Config());
    return;
}

bool quick = args.Contains("--quick");
bool references = args.Contains("--references");
var rest = args.Where(a => a is not "--quick" and not "--references").ToArray();
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly)
    .Run(rest.Length == 0 ? ["--filter", "*"] : rest, quick ? BenchConfig.Quick(references) : BenchConfig.Full());
if (quick)
{
    // In-process runs leave HardwareIntrinsics empty; they ran here, so stamp this process's (RunStamp).
    var started = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
    foreach (var dir in summaries.Select(s => s.ResultsDirectoryPath).Distinct().Where(Directory.Exists))
    {
        foreach (var json in new DirectoryInfo(dir).EnumerateFiles("*-report-full.json"))
        {
            if (json.LastWriteTimeUtc >= started)
            {
                PerceptionJudge.Bench.Tracking.RunStamp.FillIntrinsics(json.FullName);
            }
        }
    }
}
