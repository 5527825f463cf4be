using System.Xml.Linq;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Cli.Tests.Train;

/// <summary><c>pjudge train</c>, <c>eval</c> and <c>report</c> in-process at toy sizes, and their user errors.</summary>
[TestFixture]
public sealed class TrainEvalReportTests
{
    private static readonly string[] s_toy =
    [
        "--set", "model.path=nano", "--set", "data.synthetic_pairs=8", "--set", "data.synthetic_text=false",
        "--set", "data.synthetic_edits=[recolour, remove]", "--set", "data.val_fraction=0.4",
        "--set", "sft.describe_steps=2", "--set", "sft.steps=2", "--set", "sft.batch_size=4", "--set", "rollout.n=2", "--set",
        "rollout.max_new_tokens=6", "--set", "trainer.steps=2", "--set", "trainer.prompts_per_step=2",
        "--set", "trainer.mini_batch_prompts=2", "--set", "trainer.save_every=1",
        "--set", "algorithm.drop_zero_variance_groups=false", "--set", "algorithm.entropy_coeff=0.1",
    ];

    private TempDir _dir = null!;

    [OneTimeSetUp]
    public void NeedsLibTorch()
    {
        if (!LibTorch.TryLoad(out string reason))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(reason);
            }

            Assert.Ignore(reason);
        }
    }

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    [Test]
    public void Demo_RunsTheWholeLoop_AndRefusesAForeignFolder()
    {
        string dir = System.IO.Path.Combine(_dir.Path, "demo");
        string[] args = ["demo", "--out", dir, .. s_toy, "--seeds", "0"];
        var demo = CliRun.Run(args);
        Assert.That(demo.ExitCode, Is.EqualTo(0), demo.Stderr + demo.Stdout);
        Assert.That(demo.Stdout, Does.Contain("before RL (the judge GRPO starts from):").And.Contain("after GRPO:")
            .And.Contain("| perceptual fidelity, both images right (chance 0.25) |"));
        foreach (string file in new[] { "report.html", "eval-base.json", "eval-latest.json", "eval-base-greedy.json",
            "contact-sheet.png", "demo-table.md" })
        {
            Assert.That(File.Exists(System.IO.Path.Combine(dir, file)), Is.True, file);
        }

        Assert.That(PerceptionJudge.Data.Ppjd.PpjdManifest.Validate(System.IO.Path.Combine(dir, "ppjd")),
            Is.GreaterThan(0));
        var stored = PerceptionJudge.Data.Images.ImageCodec.Load(
            Directory.GetFiles(System.IO.Path.Combine(dir, "ppjd", "images"))[0]);
        Assert.That((stored.Width, stored.Height), Is.EqualTo((64, 64)), "the PPJD stores the Nano judge's 64² input");
        Assert.That(demo.Stdout, Does.Contain("describe loss").And.Contain("sft loss").And.Contain("s/step"));
        Assert.That(CliRun.Run(args).ExitCode, Is.EqualTo(0), "a rerun replaces the demo's own output");

        string foreign = System.IO.Path.Combine(_dir.Path, "mine");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(System.IO.Path.Combine(foreign, "notes.txt"), "keep me");
        var refused = CliRun.Run("demo", "--out", foreign);
        Assert.That(refused.ExitCode, Is.EqualTo(2));
        Assert.That(refused.Stderr, Does.Contain("is not an earlier demo's output"));
        Assert.That(File.ReadAllText(System.IO.Path.Combine(foreign, "notes.txt")), Is.EqualTo("keep me"));
    }

    [Test]
    public void Train_Eval_Report_RoundTrip()
    {
        string run = System.IO.Path.Combine(_dir.Path, "run");
        var train = CliRun.Run(["train", .. s_toy, "--set", $"trainer.output_dir={run}"]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.Stderr + train.Stdout);
        Assert.That(train.Stdout, Does.Contain("rollout.top_p = 0.95").And.Contain("algorithm.clip_ratio_c = 3"),
            "the resolved config is printed with every default");

        var eval = CliRun.Run("eval", "--run", run, "--seeds", "0", "1");
        Assert.That(eval.ExitCode, Is.EqualTo(0), eval.Stderr);
        string summary = File.ReadAllText(System.IO.Path.Combine(run, "eval-latest.json"));
        Assert.That(summary, Does.Contain("pair").And.Contain("batch"));

        string image = Directory.GetFiles(System.IO.Path.Combine(run, "ppjd", "images"))[0];
        string rows = _dir.File("pair.jsonl",
            $$"""{"id": 1, "image_path": "{{System.IO.Path.GetFileName(image)}}", "instruction": "How many circles?", "answer1": {"name": "m1", "answer": "I count 1."}, "answer2": "I count 2.", "human_answer": "A", "extra": 3}""" + "\n");
        var mllm = CliRun.Run("eval", "--run", run, "--mllm", rows, "--task", "pair", "--images",
            System.IO.Path.GetDirectoryName(image)!, "--seeds", "0", "--out", _dir.File("mllm.json"));
        Assert.That(mllm.ExitCode, Is.EqualTo(0), mllm.Stderr);
        Assert.That(mllm.Stdout, Does.Contain("warning: ").And.Contain("'extra'"), "unknown fields are reported");
        Assert.That(File.ReadAllText(_dir.File("mllm.json")), Does.Contain("accuracy_with_tie"));

        var report = CliRun.Run("report", "--run", run, "--seeds", "0");
        Assert.That(report.ExitCode, Is.EqualTo(0), report.Stderr);
        var html = XDocument.Parse(File.ReadAllText(System.IO.Path.Combine(run, "report.html")));
        var plots = html.Descendants("svg").Select(s => (string?)s.Attribute("data-metric")).ToArray();
        Assert.That(plots, Does.Contain("describe_loss").And.Contain("sft_loss").And.Contain("reward_mean")
            .And.Contain("time per stage"));
        var stageTimes = html.Descendants("svg").Single(s => (string?)s.Attribute("data-metric") == "time per stage")
            .Descendants("title").Select(t => t.Value).ToArray();
        Assert.That(stageTimes, Has.Some.StartsWith("describe rest of step: ").And.Some.StartsWith("sft rest of step: ")
            .And.Some.StartsWith("rl rollout: "), "every stage's time is counted");
        Assert.That(html.Descendants("img").Count(), Is.GreaterThan(0), "example judgments with their images");
        var judges = html.Descendants("table").Where(t => (string?)t.Attribute("class") == "judges").ToArray();
        Assert.That(judges, Is.Not.Empty);
        Assert.That(judges.Select(t => string.Join("|", t.Descendants("th").Select(h => h.Value))).Distinct(),
            Is.EqualTo(new[] { "SFT base (before GRPO)|after GRPO" }), "both judges side by side on each record");
    }

    [Test]
    public void Train_ThatNeverUpdates_WarnsAndExitsWithAUserError()
    {
        // Without SFT the untrained Nano judge never parses, so every reward is 0 and every step skips its update.
        string run = System.IO.Path.Combine(_dir.Path, "stalled");
        var train = CliRun.Run(["train", .. s_toy, "--set", "sft.describe_steps=0", "--set", "sft.steps=0",
            "--set", "algorithm.drop_zero_variance_groups=true", "--set", "trainer.steps=5",
            "--set", $"trainer.output_dir={run}"]);
        Assert.That(train.ExitCode, Is.EqualTo(2), train.Stderr + train.Stdout);
        Assert.That(train.Stdout, Does.Contain("warning: steps 1–5 skipped the update")
            .And.Contain("all rewards were 0"));
        Assert.That(train.StderrLines, Has.Length.EqualTo(1));
        Assert.That(train.Stderr, Does.Contain("none of the 5 RL steps updated the policy").And.Contain("sft.steps")
            .And.Contain("step-000005"));
        Assert.That(File.Exists(System.IO.Path.Combine(run, "checkpoints", "step-000005", "state.json")));
    }

    [Test]
    public void ConfigTypo_IsAOneLineErrorNamingTheKey()
    {
        var r = CliRun.Run("train", "--set", "rollout.topp=0.9");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("rollout.topp").And.Contain("rollout.top_p"));
    }

    [Test]
    public void Eval_OfAFolderThatIsNoRun_IsAUserError()
    {
        var r = CliRun.Run("eval", "--run", _dir.Path);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("not a training run folder"));
    }
}
