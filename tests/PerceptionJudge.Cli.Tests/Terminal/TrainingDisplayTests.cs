using PerceptionJudge.Cli.Terminal;
using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Cli.Tests.Terminal;

public class TrainingDisplayTests
{
    private static Dictionary<string, double> Metrics(int step) => new()
    {
        [MetricNames.Reward] = step / 10.0,
        [MetricNames.Kl] = 0.00125,
        [MetricNames.ClipFrac] = double.NaN,
        [MetricNames.TokensPerSecond] = 1234.56,
        ["loss"] = 3,
    };

    /// <summary>The plain lines of one phase of <paramref name="steps"/> steps reported
    /// <paramref name="secondsApart"/> apart on a fake clock.</summary>
    private static string[] PlainRun(string phase, int steps, double secondsApart,
        Func<int, Dictionary<string, double>> metrics)
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        using var display = new TrainingDisplay(output, interactive: false, clock: () => now);
        display.Start(steps, phase);
        for (int step = 1; step <= steps; step++)
        {
            now += TimeSpan.FromSeconds(secondsApart);
            display.Report(step, metrics(step));
        }
        display.Finish();
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Test]
    public void PlainMode_PrintsAtMostOneLinePerSecondPlusTheLast()
    {
        // 25 steps, 0.3 s apart on a fake clock: lines at 0.3, 1.5, 2.7, 3.9, 5.1 s, and step 25 (the last).
        string[] lines = PlainRun("rl", 25, 0.3, Metrics);
        Assert.That(lines[0], Is.EqualTo("rl: 25 steps"));
        Assert.That(lines.Skip(1).Select(l => l.Split("  ")[0]),
            Is.EqualTo(new[] { "rl step 1/25", "rl step 5/25", "rl step 9/25", "rl step 13/25", "rl step 17/25",
                "rl step 21/25", "rl step 25/25" }));
        Assert.That(lines[^1], Is.EqualTo("rl step 25/25  reward 2.5  kl 0.00125  clipfrac nan  tokens/s 1235"));
        Assert.That(lines, Has.None.Contains("loss"), "the RL line leaves the SFT losses out");
    }

    [Test]
    public void PlainMode_FinishPrintsTheLastReportedStepOnce()
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        var display = new TrainingDisplay(output, interactive: false, clock: () => now);
        display.Start(100, "rl");
        display.Report(1, new Dictionary<string, double>());
        display.Report(2, new Dictionary<string, double> { [MetricNames.Entropy] = 1.5 });
        display.Message("checkpoint step-000002 saved");
        display.Finish();
        display.Dispose();
        Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "rl: 100 steps", "rl step 1/100", "checkpoint step-000002 saved", "rl step 2/100  entropy 1.5",
        }));
    }

    [Test]
    public void PlainMode_SftLinesShowTheStageLossAndStepTime()
    {
        // What the trainer reports: describe_loss on the describe stage's steps, then sft_loss, each with its time.
        string[] lines = PlainRun("sft", 4, 1.5, step => new Dictionary<string, double>
        {
            [step <= 2 ? MetricNames.DescribeLoss : MetricNames.SftLoss] = 4.0 / step,
            [MetricNames.StepSeconds] = 0.125,
        });
        Assert.That(lines, Is.EqualTo(new[]
        {
            "sft: 4 steps", "sft step 1/4  describe loss 4  s/step 0.125",
            "sft step 2/4  describe loss 2  s/step 0.125",
            "sft step 3/4  sft loss 1.333  s/step 0.125", "sft step 4/4  sft loss 1  s/step 0.125",
        }));
    }

    [Test]
    public void LiveMode_SftTableShowsTheLossOfTheCurrentStage()
    {
        var output = new StringWriter();
        using (var display = new TrainingDisplay(output, interactive: true))
        {
            display.Start(2, "sft");
            display.Report(1, new Dictionary<string, double>
            {
                [MetricNames.DescribeLoss] = 2.75,
                [MetricNames.StepSeconds] = 0.25,
            });
            display.Finish();
        }
        string text = output.ToString();
        Assert.That(text, Does.Contain("describe loss").And.Contain("2.75").And.Contain("s/step").And.Contain("0.25"));
        Assert.That(text, Does.Not.Contain("reward").And.Not.Contain("sft loss"));
    }

    [Test]
    public void PlainMode_ReportBeforeStartIsABug()
    {
        using var display = new TrainingDisplay(new StringWriter(), interactive: false);
        Assert.Throws<InvalidOperationException>(() => display.Report(1, new Dictionary<string, double>()));
    }

    [Test]
    public void LiveMode_DrawsTheBarTableAndMessages()
    {
        var output = new StringWriter();
        using (var display = new TrainingDisplay(output, interactive: true))
        {
            display.Start(4, "rl");
            for (int step = 1; step <= 4; step++)
            {
                display.Report(step, Metrics(step));
                display.Message($"note {step}");
            }
            display.Finish();
        }
        string text = output.ToString();
        Assert.That(text, Does.Contain("\u001b["), "ANSI control sequences");
        Assert.That(text, Does.Contain("4/4 steps"));
        Assert.That(text, Does.Contain("clipfrac"));
        Assert.That(text, Does.Contain("0.00125"));
        Assert.That(text, Does.Contain("note 4"));
    }
}
