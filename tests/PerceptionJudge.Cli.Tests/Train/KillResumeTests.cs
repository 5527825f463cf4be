using System.Text.RegularExpressions;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Checkpoints;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Cli.Tests.Train;

/// <summary>
/// <c>pjudge train</c> SIGKILLed and resumed: a toy run (<see cref="ToyTrainConfig"/>, 4 RL steps, a checkpoint every
/// 2) is killed at seeded points inside the rollout, a backward, the first optimizer step of an RL step and a
/// checkpoint write (the <see cref="PhaseStall"/> hook stops it exactly there), resumed with <c>--resume</c> each
/// time, and must end with the adapter, optimizer and state bytes of an uninterrupted run of the same seed, redoing
/// only the steps after the newest complete checkpoint.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class KillResumeTests
{
    private const int Steps = 4;
    private const int SaveEvery = 2;
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(10); // a hang bound, not a speed check
    private static readonly Regex s_resumedFrom = new(@"resumed from .* \(step (\d+)\)");
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    [Test]
    public void KilledAtSeededPhases_ResumesToTheBytesOfOneRun()
    {
        string straight = Path.Combine(_dir.Path, "straight"), killed = Path.Combine(_dir.Path, "killed");
        var done = PjudgeProcess.Run(Environment(null), s_runLimit, "train", "--config", Config(straight));
        Assert.That(done.ExitCode, Is.EqualTo(0), done.Stderr);

        int lastGood = 0;
        bool resume = false;
        foreach (var (phase, step) in KillPoints(new Random(20261122)))
        {
            using (var child = PjudgeProcess.Start(Environment($"{phase}:{step}"), TrainArgs(killed, resume)))
            {
                bool stalled = child.WaitForStderrLine(PhaseStall.Announcement(phase, step), s_runLimit);
                Assert.That(stalled, Is.True,
                    $"never reached {phase} of step {step}:\n{child.Stderr}\nstdout:\n{child.Stdout}");
                if (resume)
                {
                    Assert.That(ResumedFrom(child), Is.EqualTo(lastGood), "resumes from the newest complete checkpoint");
                }
                child.Kill();
            }
            lastGood = NewestCheckpoint(killed);
            TestContext.Out.WriteLine($"SIGKILL at {phase} of step {step}; newest complete checkpoint: step {lastGood}");
            Assert.That(step - lastGood, Is.LessThanOrEqualTo(SaveEvery),
                $"killed at {phase} of step {step}: only the steps after checkpoint {lastGood} are redone");
            resume = true;
        }

        using (var last = PjudgeProcess.Start(Environment(null), TrainArgs(killed, resume: true)))
        {
            var result = last.WaitForExit(s_runLimit);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
            Assert.That(ResumedFrom(last), Is.EqualTo(lastGood));
        }

        string final = CheckpointStore.FolderName(Steps);
        foreach (string file in new[] { "adapter/adapter_model.safetensors", "optimizer.safetensors", "state.json" })
        {
            Assert.That(File.ReadAllBytes(Path.Combine(killed, "checkpoints", final, file)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "checkpoints", final, file))), file);
        }
        var a = MetricsReader.Read(Path.Combine(straight, TrainingRun.MetricsFile));
        var b = MetricsReader.Read(Path.Combine(killed, TrainingRun.MetricsFile));
        Assert.That(b.Select(l => (l.Phase, l.Step)), Is.EqualTo(a.Select(l => (l.Phase, l.Step))), "no duplicates");
        Assert.That(b.Where(l => l.Phase == "rl").Select(l => l.Values["reward_mean"]),
            Is.EqualTo(a.Where(l => l.Phase == "rl").Select(l => l.Values["reward_mean"])));
    }

    /// <summary>
    /// One kill per phase at a seeded step (a checkpoint write only happens on save steps), in run order, so each
    /// resumed run reaches the next point.
    /// </summary>
    private static List<(string Phase, int Step)> KillPoints(Random random)
    {
        var points = new List<(string Phase, int Step)>();
        foreach (string phase in PhaseStall.Phases)
        {
            int step = phase == PhaseStall.Checkpoint
                ? SaveEvery * (1 + random.Next(Steps / SaveEvery))
                : 1 + random.Next(Steps);
            points.Add((phase, step));
        }
        return points.OrderBy(p => p.Step).ThenBy(p => PhaseOrder(p.Phase)).ToList();
    }

    private static int PhaseOrder(string phase) => phase switch
    {
        PhaseStall.Rollout => 0,
        PhaseStall.Backward => 1,
        PhaseStall.Optimizer => 2,
        _ => 3,
    };

    private string Config(string run)
    {
        string path = Path.Combine(_dir.Path, Path.GetFileName(run) + ".json");
        File.WriteAllText(path, ConfigPrinter.ToJson(ToyTrainConfig.Create(run, Steps)));
        return path;
    }

    private string[] TrainArgs(string run, bool resume) =>
        resume ? ["train", "--config", Config(run), "--resume"] : ["train", "--config", Config(run)];

    private static Dictionary<string, string?> Environment(string? stallAt) => new()
    {
        [PhaseStall.Variable] = stallAt,
    };

    private static int ResumedFrom(PjudgeProcess child)
    {
        var match = s_resumedFrom.Match(child.Stdout + child.Stderr);
        return match.Success ? int.Parse(match.Groups[1].Value) : 0;
    }

    private static int NewestCheckpoint(string run) =>
        new CheckpointStore(run, keepLast: 2).TryLatest(out _, out int step) ? step : 0;
}
