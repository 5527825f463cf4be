using BenchmarkDotNet.Running;
using PerceptionJudge.Bench;

// `dotnet run -c Release --project bench/PerceptionJudge.Bench -- --filter '*' [--job short]`
// `--quick` selects the CI configuration (BenchConfig.Quick); everything else goes to BenchmarkDotNet.
bool quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly)
    .Run(rest.Length == 0 ? ["--filter", "*"] : rest, quick ? BenchConfig.Quick() : BenchConfig.Full());
