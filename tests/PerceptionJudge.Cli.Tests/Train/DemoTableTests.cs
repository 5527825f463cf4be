using PerceptionJudge.Cli.Train;
using PerceptionJudge.Eval;

namespace PerceptionJudge.Cli.Tests.Train;

/// <summary>The demo's closing before/after table and its README copy.</summary>
[TestFixture]
public sealed class DemoTableTests
{
    private static Func<string, MetricStat?> Stats(params (string Key, double Mean, double Std)[] rows) =>
        key => rows.Where(r => r.Key == key).Select(r => new MetricStat(key, r.Mean, r.Std, 3)).FirstOrDefault();

    [Test]
    public void Render_JudgesEachChangeAgainstTwiceTheLargerSpread()
    {
        string table = DemoTable.Render(
            Stats(("fidelity.both_right", 0.60, 0.02), ("pair.accuracy_with_tie", 0.70, 0.01),
                ("batch.parse_failure_rate", 0.10, 0.01), ("score.pearson", double.NaN, double.NaN)),
            Stats(("fidelity.both_right", 0.70, 0.03), ("pair.accuracy_with_tie", 0.72, 0.02),
                ("batch.parse_failure_rate", 0.02, 0.01), ("score.pearson", 0.5, 0.1)),
            0.65, 3, 1.0, 7.25);
        var lines = table.Split('\n');
        // +0.10 > 2 × 0.03: better. +0.02 < 2 × 0.02: no. −0.08 on a lower-is-better metric: better.
        Assert.That(lines.Single(l => l.StartsWith("| perceptual fidelity")),
            Is.EqualTo("| perceptual fidelity, both images right (chance 0.25) | 0.600 ± 0.020 | 0.700 ± 0.030 | +0.100 | better |"));
        Assert.That(lines.Single(l => l.StartsWith("| pair accuracy")), Does.EndWith("| +0.020 | no |"));
        Assert.That(lines.Single(l => l.StartsWith("| batch parse failures")), Does.EndWith("| −0.080 | better |"));
        Assert.That(lines.Single(l => l.StartsWith("| score Pearson")), Does.EndWith("| n/a | n/a |"));
        Assert.That(lines.Single(l => l.StartsWith("| batch-ranking")), Does.Contain("| n/a | n/a | n/a | n/a |"));
        Assert.That(table, Does.Contain("fidelity **0.650**").And.Contain("7.3 min").And.Contain("3 seeds, T = 1"));
    }

    [Test]
    public void Splice_ReplacesOnlyTheBlock()
    {
        string readme = $"# Title\nbefore\n{DemoTable.Begin}\nold table\n{DemoTable.End}\nafter\n";
        string spliced = DemoTable.Splice(readme, "| new |\n", "README.md");
        Assert.That(spliced, Is.EqualTo($"# Title\nbefore\n{DemoTable.Begin}\n| new |\n{DemoTable.End}\nafter\n"));
        Assert.That(DemoTable.Splice(spliced, "| new |\n", "README.md"), Is.EqualTo(spliced), "idempotent");
    }

    [Test]
    public void Splice_WithoutMarkers_NamesTheFileAndTheMarkers()
    {
        var e = Assert.Throws<ArgumentException>(() => DemoTable.Splice("# no block\n", "x", "README.md"));
        Assert.That(e!.Message, Does.Contain("README.md").And.Contain("demo-table:begin"));
    }
}
