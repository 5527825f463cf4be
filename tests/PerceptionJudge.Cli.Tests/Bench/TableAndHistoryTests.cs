using PerceptionJudge.Bench.Tracking;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests.Bench;

[TestFixture]
public class TableAndHistoryTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    private static FakeCase Fixed(string type, string method, string parameters, double ms) =>
        new(type, method, parameters, [ms * 1e6, ms * 1e6, ms * 1e6]);

    [Test]
    public void Table_GivesBandwidth_RoofShare_AndSpeedups()
    {
        // Policy loss: 24 B/token · 8M tokens in 10 ms = 20.13 GB/s; triad 12 B · 8M in 4 ms = 25.17 GB/s: 80%.
        string path = BenchJson.Write(_dir.File("run.json"),
        [
            Fixed("PolicyLossBenchmarks", "Triad", "N=8388608", 4),
            Fixed("PolicyLossBenchmarks", "Cpu", "N=8388608", 10),
            Fixed("PolicyLossBenchmarks", "Reference", "N=8388608", 300),
            Fixed("PolicyLossBenchmarks", "Eager", "N=8388608", 100),
            Fixed("PolicyLossBenchmarks", "Torch", "N=8388608", 250),
        ]);
        var result = CliRun.Run("bench", "table", "--from", path);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        string row = result.Stdout.Split('\n').Single(l => l.StartsWith("| policy loss", StringComparison.Ordinal));
        Assert.That(row, Is.EqualTo(
            "| policy loss + d/dlogp (dual-clip PPO, token-mean) | 8M tokens | 10.00 ms | 20.1 GB/s | 80% | " +
            "30.0× | 10.0× | 25.0× |"));
    }

    [Test]
    public void Table_ComputeBoundRow_UsesTheFmaPeak()
    {
        string path = BenchJson.Write(_dir.File("run.json"),
        [
            Fixed("LoraBenchmarks", "FmaPeak", "", 8),
            Fixed("LoraBenchmarks", "Cpu", "", 10),
            Fixed("LoraBenchmarks", "ReferenceSmall", "", 50),
        ]);
        var table = KernelTable.Render(BenchRun.Load(path));
        string row = table.Split('\n').Single(l => l.StartsWith("| LoRA", StringComparison.Ordinal));
        Assert.That(row, Does.Contain("| 107 GFLOP/s |")); // 2·4096²·32 flops in 10 ms
        Assert.That(row, Does.Contain("| 80.0× |"));       // the scalar spec ran 1/16 of the rows
        Assert.That(row, Does.Match(@"\| \d+% \|"));
    }

    [Test]
    public void History_WritesOneSvgTrendPerBenchmark()
    {
        string results = Path.Combine(_dir.Path, "results");
        Directory.CreateDirectory(results);
        for (int i = 0; i < 3; i++)
        {
            BenchJson.Write(Path.Combine(results, $"BenchmarkRun-joined-2026-11-2{i}-10-00-00-report-full.json"),
            [
                Fixed("KlBenchmarks", "Triad", "N=8388608", 4),
                Fixed("KlBenchmarks", "Cpu", "N=8388608", 6 + i),
            ]);
        }

        string html = Path.Combine(_dir.Path, "history.html");
        var result = CliRun.Run("bench", "history", "--results", results, "--out", html);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        string text = File.ReadAllText(html);
        Assert.That(text, Does.Contain("3 runs"));
        Assert.That(text, Does.Contain("PerceptionJudge.Bench.KlBenchmarks.Cpu(N: 8388608)"));
        Assert.That(System.Text.RegularExpressions.Regex.Count(text, "<svg "), Is.EqualTo(1));
        Assert.That(System.Text.RegularExpressions.Regex.Count(text, "<circle "), Is.EqualTo(3));
        Assert.That(text, Does.Contain("2026-11-20 10:00: 1.5")); // first point: 6 ms / 4 ms triad
    }

    [Test]
    public void History_NoResults_IsAUserError()
    {
        var result = CliRun.Run("bench", "history", "--results", _dir.Path, "--out", _dir.File("h.html"));
        Assert.That(result.ExitCode, Is.EqualTo(PjudgeApp.UserError));
    }
}
