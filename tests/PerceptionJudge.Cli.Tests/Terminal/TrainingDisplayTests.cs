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

    [Test]
    public void PlainMode_PrintsAtMostOneLinePerSecondPlusTheLast()
    {
        // 25 steps, 0.3 s apart on a fake clock: lines at 0.3, 1.5, 2.7, 3.9, 5.1 s, and step 25 (the last).
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        using var display = new TrainingDisplay(output, interactive: false, clock: () => now);
        display.Start(25, "rl");
        for (int step = 1; step <= 25; step++)
        {
            now += TimeSpan.FromSeconds(0.3);
            display.Report(step, Metrics(step));
        }
        display.Finish();
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("rl: 25 steps"));
        Assert.That(lines.Skip(1).Select(l => l.Split("  ")[0]),
            Is.EqualTo(new[] { "rl step 1/25", "rl step 5/25", "rl step 9/25", "rl step 13/25", "rl step 17/25",
                "rl step 21/25", "rl step 25/25" }));
        Assert.That(lines[^1], Is.EqualTo("rl step 25/25  reward 2.5  kl 0.00125  clipfrac nan  tokens/s 1235"));
    }

    [Test]
    public void PlainMode_FinishPrintsTheLastReportedStepOnce()
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        var display = new TrainingDisplay(output, interactive: false, clock: () => now);
        display.Start(100, "sft");
        display.Report(1, new Dictionary<string, double>());
        display.Report(2, new Dictionary<string, double> { [MetricNames.Entropy] = 1.5 });
        display.Message("checkpoint step-000002 saved");
        display.Finish();
        display.Dispose();
        Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "sft: 100 steps", "sft step 1/100", "checkpoint step-000002 saved", "sft step 2/100  entropy 1.5",
        }));
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
