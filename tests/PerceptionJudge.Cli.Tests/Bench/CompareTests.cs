using PerceptionJudge.Bench.Tracking;
using PerceptionJudge.Cli.Bench;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests.Bench;

[TestFixture]
public class CompareTests
{
    private const string Type = "PolicyLossBenchmarks", Params = "N=8388608";
    private TempDir _dir = null!;
    private int _runs;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    /// <summary>A run: Triad at <paramref name="triadMs"/>, the Cpu kernel at <paramref name="kernelMs"/>.</summary>
    private static string Run(TempDir dir, string name, int seed, double triadMs, double kernelMs) =>
        BenchJson.Write(dir.File(name), RunCases(seed, triadMs, kernelMs));

    private static FakeCase[] RunCases(int seed, double triadMs, double kernelMs)
    {
        var rng = new Random(seed);
        return
        [
            new(Type, "Triad", Params, BenchJson.Sample(rng, triadMs * 1e6)),
            new(Type, "Cpu", Params, BenchJson.Sample(rng, kernelMs * 1e6)),
        ];
    }

    [Test]
    public void Compare_FlagsADeliberatelySlowedKernel_AndExitsNonZero()
    {
        var dir = _dir;
        string a = Run(dir, "a.json", 1, 4, 10);
        string b = Run(dir, "b.json", 2, 4, 13); // the kernel is 30% slower, the machine is not
        var result = CliRun.Run("bench", "compare", "--base", a, "--diff", b, "--threshold", "5%");
        Assert.That(result.ExitCode, Is.EqualTo(BenchCommand.Regression), result.Stdout + result.Stderr);
        Assert.That(result.Stdout, Does.Contain("Regressions (Slower)"));
        Assert.That(result.Stdout, Does.Contain("PolicyLossBenchmarks.Cpu(N: 8388608)"));
        Assert.That(result.Stdout, Does.Contain("1 slower, 0 faster, 0 same"));
    }

    [Test]
    public void Compare_SameDistribution_IsSame_AndExitsZero()
    {
        var dir = _dir;
        var result = CliRun.Run(
            "bench", "compare", "--base", Run(dir, "a.json", 1, 4, 10), "--diff", Run(dir, "b.json", 2, 4, 10.1));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stdout + result.Stderr);
        Assert.That(result.Stdout, Does.Contain("0 slower, 0 faster, 1 same"));
    }

    [Test]
    public void Compare_FasterKernel_IsAnImprovement()
    {
        var dir = _dir;
        var result = CliRun.Run(
            "bench", "compare", "--base", Run(dir, "a.json", 1, 4, 10), "--diff", Run(dir, "b.json", 2, 4, 7));
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Stdout, Does.Contain("Improvements (Faster)"));
        Assert.That(result.Stdout, Does.Contain("0 slower, 1 faster"));
    }

    [Test]
    public void RatioGate_IgnoresAUniformlySlowerMachine_TimeGateDoesNot()
    {
        // A busy neighbour slows everything by 50%: the triad and the kernel alike.
        var baseline = BenchRun.Parse(Parse(RunCases(1, 4, 10)));
        var loaded = BenchRun.Parse(Parse(RunCases(2, 6, 15)));
        var ratio = BenchComparer.Compare(baseline, loaded, 0.05, GateMode.Ratio);
        var time = BenchComparer.Compare(baseline, loaded, 0.05, GateMode.Time);
        Assert.That(ratio.Rows.Single().Conclusion, Is.EqualTo(Conclusion.Same));
        Assert.That(ratio.Rows.Single().Ratio, Is.EqualTo(1).Within(0.1));
        Assert.That(
            time.Regressions.Select(r => r.Id), Has.Member("PerceptionJudge.Bench.PolicyLossBenchmarks.Cpu(N: 8388608)"));
    }

    [Test]
    public void SmallShift_BelowThreshold_IsSame_EvenWhenSignificant()
    {
        // +3%, every diff value above every base value: p = 2/3432, but below the 5% threshold.
        double[] triad = [4e6, 4.01e6, 4.02e6, 4.03e6, 4.04e6, 4.05e6, 4.06e6];
        double[] kernel = [10e6, 10.01e6, 10.02e6, 10.03e6, 10.04e6, 10.05e6, 10.06e6];
        var baseline = BenchRun.Parse(Parse([new(Type, "Triad", Params, triad), new(Type, "Cpu", Params, kernel)]));
        var diff = BenchRun.Parse(Parse(
            [new(Type, "Triad", Params, triad), new(Type, "Cpu", Params, [.. kernel.Select(v => v * 1.03)])]));
        var report = BenchComparer.Compare(baseline, diff, 0.05, GateMode.Ratio);
        Assert.That(report.Rows.Single().P, Is.LessThan(0.001));
        Assert.That(report.Rows.Single().Conclusion, Is.EqualTo(Conclusion.Same));
        Assert.That(BenchComparer.Compare(baseline, diff, 0.02, GateMode.Ratio).Rows.Single().Conclusion,
            Is.EqualTo(Conclusion.Slower));
    }

    [Test]
    public void Compare_ListsIdsMissingOnEitherSide()
    {
        var dir = _dir;
        string a = Run(dir, "a.json", 1, 4, 10);
        var rng = new Random(3);
        string b = BenchJson.Write(dir.File("b.json"),
        [
            new(Type, "Triad", Params, BenchJson.Sample(rng, 4e6)),
            new(Type, "Eager", Params, BenchJson.Sample(rng, 80e6)),
        ]);
        var result = CliRun.Run("bench", "compare", "--base", a, "--diff", b);
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Stdout, Does.Contain("missing in diff: PerceptionJudge.Bench.PolicyLossBenchmarks.Cpu"));
        Assert.That(result.Stdout, Does.Contain("new in diff: PerceptionJudge.Bench.PolicyLossBenchmarks.Eager"));
    }

    [Test]
    public void Compare_MissingFile_IsAUserError()
    {
        var dir = _dir;
        var result = CliRun.Run(
            "bench", "compare", "--base", dir.File("nope.json"), "--diff", Run(dir, "b.json", 2, 4, 10));
        Assert.That(result.ExitCode, Is.EqualTo(PjudgeApp.UserError));
        Assert.That(result.StderrLines.Single(), Does.StartWith("error: "));
    }

    [Test]
    public void Compare_BadThreshold_IsAUserError()
    {
        var dir = _dir;
        string a = Run(dir, "a.json", 1, 4, 10);
        var result = CliRun.Run("bench", "compare", "--base", a, "--diff", a, "--threshold", "five");
        Assert.That(result.ExitCode, Is.EqualTo(PjudgeApp.UserError));
        Assert.That(result.Stderr, Does.Contain("threshold"));
    }

    [TestCase("5%", 0.05)]
    [TestCase("0.05", 0.05)]
    [TestCase("12.5%", 0.125)]
    public void ParseThreshold_AcceptsPercentOrFraction(string text, double expected) =>
        Assert.That(BenchCommand.ParseThreshold(text), Is.EqualTo(expected).Within(1e-12));

    [Test]
    public void Fingerprint_KeyIsFileNameSafe()
    {
        var f = MachineFingerprint.FromHost("AMD EPYC 7R13 Processor", "avx2", 2);
        Assert.That(f.Key, Is.EqualTo("amd-epyc-7r13-processor_avx2_2c_cpu_host-cpu"));
    }

    [TestCase("AVX-512F+CD+BW+DQ+VL+VBMI,AES,BMI1 VectorSize=256", "avx512")]
    [TestCase("AVX2,AES,BMI1,BMI2,FMA,LZCNT,PCLMUL,POPCNT VectorSize=256", "avx2")]
    [TestCase("", "unknown")]
    public void Fingerprint_IsaFromHardwareIntrinsics(string intrinsics, string isa) =>
        Assert.That(MachineFingerprint.IsaOf(intrinsics), Is.EqualTo(isa));

    [Test]
    public void Fingerprint_SeparatesAvx512FromAvx2Hosts_OfTheSameModel()
    {
        var rng = new Random(5);
        FakeCase[] cases = [new(Type, "Triad", Params, BenchJson.Sample(rng, 4e6))];
        var avx512 = BenchRun.Load(BenchJson.Write(_dir.File("a.json"), cases));
        var avx2 = BenchRun.Load(BenchJson.Write(_dir.File("b.json"), cases, intrinsics: "AVX2,FMA VectorSize=256"));
        Assert.That(avx512.Machine.Key, Is.Not.EqualTo(avx2.Machine.Key));
    }

    private System.Text.Json.JsonElement Parse(FakeCase[] cases)
    {
        string path = BenchJson.Write(_dir.File($"run{++_runs}.json"), cases);
        return System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }
}
