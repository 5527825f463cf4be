using System.Text.Json;
using PerceptionJudge.Cli.Profile;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Tests.Bench;

[TestFixture]
[NonParallelizable] // KernelTrace.Sink is process-wide
public class ProfileTraceTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown()
    {
        KernelTrace.Sink = null;
        _dir.Delete();
    }

    [Test]
    public void Facade_RecordsOneSpanWithBytes_OnlyWhenASinkIsSet()
    {
        float[] lp = [-1f, -2f, -3f], reference = [-1.5f, -2f, -2.5f];
        var (kl, grad) = (new float[3], new float[3]);
        var sink = new ChromeTraceSink();
        KlPenalty.Compute("k3", lp, reference, kl, grad); // off: nothing to record, nothing to fail
        KernelTrace.Sink = sink;
        KlPenalty.Compute("k3", lp, reference, kl, grad);
        KernelTrace.Sink = null;
        KlPenalty.Compute("k3", lp, reference, kl, grad);
        var e = sink.Events.Single();
        Assert.That(e.Name, Is.EqualTo("kl.k3"));
        Assert.That(e.Category, Is.EqualTo("kernel"));
        Assert.That(e.Bytes, Is.EqualTo(16 * 3)); // reads lp, ref; writes kl, grad
    }

    [Test]
    public void ProfileKernel_WritesValidTraceJson()
    {
        string trace = _dir.File("kl.json");
        var result = CliRun.Run("profile", "kernel", "kl.low_var_kl", "--steps", "3", "--out", trace);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stdout + result.Stderr);
        Assert.That(result.Stdout, Does.Contain("kl.low_var_kl"));
        var events = CheckSchema(trace);
        var kernels = events.Where(e => e.GetProperty("cat").GetString() == "kernel").ToList();
        Assert.That(kernels, Has.Count.EqualTo(3));
        Assert.That(kernels.Select(k => k.GetProperty("args").GetProperty("bytes").GetInt64()),
            Is.All.EqualTo(16L << 22));
        var phases = events.Where(e => e.GetProperty("cat").GetString() == "phase").ToList();
        Assert.That(phases, Has.Count.EqualTo(4)); // the root and one per step
        foreach (var k in kernels)
        {
            bool inStep = phases.Any(p =>
                Contains(p, k) && p.GetProperty("name").GetString()!.StartsWith("step ", StringComparison.Ordinal));
            Assert.That(inStep, Is.True, "each launch sits inside a step phase");
        }
    }

    [Test]
    public void ProfileDemo_WritesValidTraceJson_WithPhases()
    {
        string trace = _dir.File("demo.json");
        var result = CliRun.Run("profile", "demo", "--pairs", "2", "--out", trace);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stdout + result.Stderr);
        var events = CheckSchema(trace);
        var names = events.Select(e => e.GetProperty("name").GetString()).ToHashSet();
        Assert.That(names, Is.SupersetOf(new[] { "ppjd.build", "ppjd.validate", "ppjd.preview", "step 0" }));
        Assert.That(events.Count(e => e.GetProperty("cat").GetString() == "kernel"), Is.GreaterThan(0));
    }

    [Test]
    public void ProfileKernel_UnknownName_ListsTheValidOnes()
    {
        var result = CliRun.Run("profile", "kernel", "nope", "--out", _dir.File("x.json"));
        Assert.That(result.ExitCode, Is.EqualTo(PjudgeApp.UserError));
        Assert.That(result.Stderr, Does.Contain("advantage.grpo"));
    }

    /// <summary>
    /// The Chrome trace-event schema (object form): <c>traceEvents</c> is an array; each complete event has a string
    /// name and cat, ph "X", numeric ts ≥ 0 and dur ≥ 0 (µs), integer pid and tid, and args.bytes ≥ 0.
    /// Metadata events (ph "M") carry a name and args. Returns the "X" events.
    /// </summary>
    private static List<JsonElement> CheckSchema(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.That(root.ValueKind, Is.EqualTo(JsonValueKind.Object));
        Assert.That(root.GetProperty("displayTimeUnit").GetString(), Is.EqualTo("ms"));
        var events = root.GetProperty("traceEvents");
        Assert.That(events.ValueKind, Is.EqualTo(JsonValueKind.Array));
        var complete = new List<JsonElement>();
        foreach (var e in events.EnumerateArray())
        {
            string ph = e.GetProperty("ph").GetString()!;
            Assert.That(e.GetProperty("name").ValueKind, Is.EqualTo(JsonValueKind.String));
            Assert.That(e.GetProperty("pid").TryGetInt32(out _), Is.True);
            Assert.That(e.GetProperty("tid").TryGetInt32(out _), Is.True);
            Assert.That(e.GetProperty("args").ValueKind, Is.EqualTo(JsonValueKind.Object));
            if (ph == "M")
            {
                continue;
            }

            Assert.That(ph, Is.EqualTo("X"));
            Assert.That(e.GetProperty("cat").GetString(), Is.AnyOf("kernel", "phase"));
            Assert.That(e.GetProperty("ts").GetDouble(), Is.GreaterThanOrEqualTo(0));
            Assert.That(e.GetProperty("dur").GetDouble(), Is.GreaterThanOrEqualTo(0));
            Assert.That(e.GetProperty("args").GetProperty("bytes").GetInt64(), Is.GreaterThanOrEqualTo(0));
            complete.Add(e.Clone());
        }

        return complete;
    }

    private static bool Contains(JsonElement outer, JsonElement inner)
    {
        double os = outer.GetProperty("ts").GetDouble(), oe = os + outer.GetProperty("dur").GetDouble();
        double s = inner.GetProperty("ts").GetDouble(), e = s + inner.GetProperty("dur").GetDouble();
        return s >= os - 1e-3 && e <= oe + 1e-3;
    }
}
