using PerceptionJudge.Cli.Terminal;

namespace PerceptionJudge.Cli.Tests.Terminal;

public class ProgressLineTests
{
    [Test]
    public void PlainModeThrottlesAndAlwaysPrintsTheLastCount()
    {
        var err = new StringWriter();
        using (var p = new ProgressLine(err, "ppjd", 1000, "pairs", interactive: false))
        {
            for (int i = 1; i <= 1000; i++)
            {
                p.Report(i);
            }
        }
        var lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.LessThanOrEqualTo(3), "one line per second at most, plus the first and last");
        Assert.That(lines[^1].TrimEnd('\r'), Is.EqualTo("ppjd: 1000/1000 pairs"));
    }

    [Test]
    public void PlainModeWithUnknownTotalPrintsTheFinalCountOnDispose()
    {
        var err = new StringWriter();
        var p = new ProgressLine(err, "ppjd", 0, "pairs", interactive: false);
        p.Report(1);
        p.Report(7);
        p.Dispose();
        p.Dispose();
        var lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[^1].TrimEnd('\r'), Is.EqualTo("ppjd: 7 pairs"));
        Assert.That(lines.Count(l => l.StartsWith("ppjd: 7", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void InteractiveModeRedrawsInPlaceAndKeepsMessagesAboveTheBar()
    {
        var err = new StringWriter();
        using (var p = new ProgressLine(err, "ppjd", 4, "pairs", interactive: true))
        {
            p.Report(1);
            p.Message("skipped line 3: missing field 'image'");
            p.Report(4);
        }
        string text = err.ToString();
        var lines = text.Split('\n');
        Assert.That(lines.Any(l => l.Split('\r')[^1].StartsWith("skipped line 3", StringComparison.Ordinal)));
        string last = lines[^2].Split('\r')[^1];
        Assert.That(last, Does.StartWith("[########################] 100%"));
        Assert.That(last, Does.Contain("4/4 pairs"));
    }

    [Test]
    public void RenderShowsFillProportionalToProgress()
    {
        var p = new ProgressLine(TextWriter.Null, "ppjd", 8, "pairs", interactive: false);
        p.Report(2);
        string bar = p.Render();
        Assert.That(bar, Does.StartWith("[######" + new string('·', 18) + "]"));
        Assert.That(bar, Does.Contain("2/8 pairs"));
    }
}
