using System.Globalization;
using System.Text.RegularExpressions;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Distributed.Tests;

/// <summary>
/// Data-parallel training under mpirun: the host's train scenarios run a toy TrainingRun (Nano, 10 synthetic pairs,
/// 2 prompts per step) on every rank. Each rank loads libtorch: a missing TorchSharp runtime skips (fails on CI).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class MpiTrainingTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(300);
    private string _root = "";

    [OneTimeSetUp]
    public void RequireLibTorch()
    {
        if (!LibTorch.TryLoad(out var reason))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(reason);
            }
            Assert.Ignore(reason);
        }
    }

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("pj-dp-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    // 2 ranks × 1 prompt per step against 1 rank × 2 prompts: the same judgments (rollout seeds per global prompt),
    // the same global normalisers and summed gradients, so the same adapters after 3 steps up to float summation
    // order; rank 0 alone writes metrics and checkpoints; a 2-rank run resumes bit-identically.
    [Test]
    public void TwoRanks_TrainTheAdaptersOfOneRankWithTheWholeBatch_OnlyRank0Writes_AndResume()
    {
        string one = Path.Combine(_root, "k1"), two = Path.Combine(_root, "k2");
        var single = MpiRun.Scenario("train", 1, s_limit, one, "3");
        Assert.That(single.ExitCode, Is.EqualTo(0), single.Output);
        var parallel = MpiRun.Scenario("train", 2, s_limit, two, "3");
        Assert.That(parallel.ExitCode, Is.EqualTo(0), parallel.Output);
        Assert.That(parallel.Output, Does.Contain("ok train K=2 backend=mpi"));
        TestContext.Out.WriteLine($"median RL step: K=1 {MedianStep(single.Output):F3} s, " +
            $"K=2 {MedianStep(parallel.Output):F3} s");

        string adapter = Path.Combine("checkpoints", "step-000003", "adapter", "adapter_model.safetensors");
        using var a = SafetensorsFile.Open(Path.Combine(one, adapter));
        using var b = SafetensorsFile.Open(Path.Combine(two, adapter));
        Assert.That(b.Tensors.Select(t => t.Name), Is.EquivalentTo(a.Tensors.Select(t => t.Name)));
        double worst = 0, moved = 0;
        foreach (var tensor in a.Tensors)
        {
            var x = a.GetSpan<float>(tensor.Name);
            var y = b.GetSpan<float>(tensor.Name);
            Assert.That(y.Length, Is.EqualTo(x.Length), tensor.Name);
            for (int i = 0; i < x.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
                if (tensor.Name.Contains("lora_B", StringComparison.Ordinal))
                {
                    moved = Math.Max(moved, Math.Abs(x[i]));
                }
            }
        }
        TestContext.Out.WriteLine($"largest adapter difference K=1 vs K=2: {worst:E2}");
        Assert.That(moved, Is.GreaterThan(1e-4), "lora_B starts at zero: training must have moved it");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-6));

        var k1 = MetricsReader.Read(Path.Combine(one, TrainingRun.MetricsFile));
        var k2 = MetricsReader.Read(Path.Combine(two, TrainingRun.MetricsFile));
        Assert.That(k2.Select(l => (l.Phase, l.Step)),
            Is.EqualTo(new[] { ("sft", 1), ("sft", 2), ("rl", 1), ("rl", 2), ("rl", 3) }), "one line per step");
        Assert.That(k2.Where(l => l.Phase == "rl").Select(l => l.Values.GetValueOrDefault("optimizer_steps")),
            Is.All.EqualTo(2), "two optimizer steps per RL step, none skipped");
        // Global rollout metrics are equal; the gradient norm (after the all-reduce) to float summation order.
        Assert.That(Rl(k2, "grad_norm"), Is.EqualTo(Rl(k1, "grad_norm")).Within(1e-4).Percent);
        foreach (var key in new[] { "reward_mean", "reward_std", "dropped_groups", "response_length", "adv_mean" })
        {
            Assert.That(Rl(k2, key), Is.EqualTo(Rl(k1, key)).Within(1e-9), key);
        }
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(two, "checkpoints")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "step-000003", "latest" }), "one writer: no second or leftover checkpoint");

        // Stopped after 2 steps and resumed on 2 ranks: bit-identical to the uninterrupted 2-rank run.
        string resumed = Path.Combine(_root, "k2-resumed");
        Assert.That(MpiRun.Scenario("train", 2, s_limit, resumed, "2").ExitCode, Is.EqualTo(0));
        var resume = MpiRun.Scenario("train", 2, s_limit, resumed, "3", "resume");
        Assert.That(resume.ExitCode, Is.EqualTo(0), resume.Output);
        foreach (var file in new[] { "adapter/adapter_model.safetensors", "optimizer.safetensors", "state.json" })
        {
            Assert.That(File.ReadAllBytes(Path.Combine(resumed, "checkpoints", "step-000003", file)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(two, "checkpoints", "step-000003", file))), file);
        }
        Assert.That(MetricsReader.Read(Path.Combine(resumed, TrainingRun.MetricsFile)).Select(l => (l.Phase, l.Step)),
            Is.EqualTo(k2.Select(l => (l.Phase, l.Step))), "the resumed run's metrics have no duplicate lines");
    }

    [Test]
    public void ARankKilledDuringTraining_EndsTheJobWithANonZeroExit()
    {
        var run = MpiRun.Scenario("train-killed", 2, s_limit, Path.Combine(_root, "killed"), "3");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Contain("exited on signal 9"));
        var detected = MpiRun.SigkillToJobEnd(run);
        Assert.That(detected, Is.LessThan(TimeSpan.FromSeconds(30)), "mpirun ends the job soon after a rank dies");
    }

    [Test]
    public void ARankThatThrowsDuringTraining_AbortsTheJobNamingTheRank()
    {
        var run = MpiRun.Scenario("train-throws", 2, s_limit, Path.Combine(_root, "throws"), "3");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Contain("rank 1 of 2 aborting: System.InvalidOperationException: " +
            "scenario train-throws: rank 1 fails after RL step 1"));
    }

    private static double[] Rl(IReadOnlyList<MetricsRecord> lines, string key) =>
        [.. lines.Where(l => l.Phase == "rl").Select(l => l.Values[key])];

    private static double MedianStep(string output)
    {
        var times = StepTime().Matches(output)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order().ToArray();
        return times.Length == 0 ? double.NaN : times[times.Length / 2];
    }

    [GeneratedRegex(@"rl step \d+ time_step_s ([0-9.Ee+-]+)")]
    private static partial Regex StepTime();
}
