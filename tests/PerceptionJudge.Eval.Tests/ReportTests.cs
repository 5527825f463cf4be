using System.Xml;
using System.Xml.Linq;
using PerceptionJudge.Eval.Report;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Tests;

[TestFixture]
public sealed class ReportTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() =>
        _dir = Directory.CreateTempSubdirectory("pj-eval-report-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] s_metricLines =
    [
        "{\"step\": 0, \"phase\": \"sft\", \"entropy\": 1.9, \"time_forward_s\": 0.5, \"time_backward_s\": 1.0, "
            + "\"note\": \"unknown keys are ignored\"}",
        "{\"step\": 1, \"phase\": \"sft\", \"entropy\": 1.7, \"time_forward_s\": 0.5, \"time_backward_s\": 1.0}",
        "",
        "{\"step\": 2, \"phase\": \"rl\", \"reward_mean\": 0.2, \"kl\": 0.0, \"clipfrac\": 0.1, "
            + "\"time_rollout_s\": 3.0, \"time_forward_s\": 0.4}",
        "{\"step\": 3, \"phase\": \"rl\", \"reward_mean\": 0.3, \"kl\": null, \"clipfrac\": \"NaN\", "
            + "\"time_rollout_s\": 3.5}",
        "{\"step\": 4, \"phase\": \"rl\", \"reward_mean\": 0.45, \"kl\": 0.02, \"time_rollout_s\": 2.5, "
            + "\"time_forward_s\": \"NaN\"}",
    ];

    private string WriteMetrics(params string[] lines)
    {
        string path = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static readonly byte[] s_png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    private static EvalSummary Summary(string pair2) => JudgeEvaluator.EvaluateSeeds(
        [
            new("pair/1", JudgeTask.Pair, "coco", "1.jpg", "q", ["a", "b"], JudgeTruth.ForPair(Verdict.A)),
            new("pair/2", JudgeTask.Pair, "coco", "2.jpg", "q", ["a", "b"], JudgeTruth.ForPair(Verdict.B)),
        ],
        [new("pair/1", 0, "[[A]]"), new("pair/2", 0, pair2), new("pair/1", 1, "[[A]]"), new("pair/2", 1, pair2)]);

    private ReportInput FullInput() => new(
        "Judge <run> & \"report\"",
        WriteMetrics(s_metricLines),
        Summary("[[A]]"),
        Summary("[[B]]"),
        [
            new ExampleJudgment("pair/1", s_png, "Is x < y & <script>alert(1)</script>?", ["A <b>bold</b>", "B's"],
                "A", "<think>look</think><answer>[[A]]</answer>", 1.0),
        ]);

    private static XDocument ParseXml(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html),
            new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    [Test]
    public void Write_ProducesWellFormedPageWithOneSvgPerPresentMetric()
    {
        string path = Path.Combine(_dir, "report.html");
        HtmlReport.Write(path, FullInput());
        string html = File.ReadAllText(path);
        var doc = ParseXml(html);
        var svgs = doc.Descendants("svg").Select(s => (string)s.Attribute("data-metric")!).ToArray();
        Assert.That(svgs, Is.EqualTo(new[] { "reward_mean", "kl", "clipfrac", "entropy", "time split per phase" }));
        Assert.That(html.Split("<svg").Length - 1, Is.EqualTo(5));
    }

    [Test]
    public void Write_StacksTheSummedPhaseTimes()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        var titles = doc.Descendants("svg").Single(s => (string?)s.Attribute("class") == "timing")
            .Descendants("title").Select(t => t.Value).ToArray();
        Assert.That(titles, Does.Contain("sft time_forward_s: 1 s"));
        Assert.That(titles, Does.Contain("rl time_rollout_s: 9 s"));
        Assert.That(titles, Does.Contain("rl time_forward_s: 0.4 s"), "the NaN on step 4 is a gap");
    }

    [Test]
    public void Write_BreaksLinesAtGapsAndPhaseChanges()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        var kl = doc.Descendants("svg").Single(s => (string?)s.Attribute("data-metric") == "kl");
        Assert.That(kl.Descendants("circle").Count(), Is.EqualTo(2));
        Assert.That(kl.Descendants("polyline"), Is.Empty, "the null on step 3 splits the two points");
        var reward = doc.Descendants("svg").Single(s => (string?)s.Attribute("data-metric") == "reward_mean");
        Assert.That(reward.Descendants("polyline").Count(), Is.EqualTo(1));
    }

    [Test]
    public void Render_HasNoNetworkReferencesOrScripts()
    {
        string html = HtmlReport.Render(FullInput());
        Assert.That(html, Does.Not.Contain("http"));
        Assert.That(html, Does.Not.Contain("<script"));
        Assert.That(html, Does.Contain("src=\"data:image/png;base64," + Convert.ToBase64String(s_png) + "\""));
    }

    [Test]
    public void Render_EscapesText()
    {
        string html = HtmlReport.Render(FullInput());
        Assert.That(html, Does.Contain("Is x &lt; y &amp; &lt;script&gt;alert(1)&lt;/script&gt;?"));
        Assert.That(html, Does.Contain("A &lt;b&gt;bold&lt;/b&gt;"));
        Assert.That(html, Does.Contain("B&#39;s"));
        Assert.That(html, Does.Contain("&lt;think&gt;look&lt;/think&gt;"));
        Assert.That(html, Does.Contain("<title>Judge &lt;run&gt; &amp; &quot;report&quot;</title>"));
        Assert.That(html, Does.Not.Contain("<b>bold"));
    }

    [Test]
    public void Render_ShowsBeforeAfterWithDeltas()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        var row = doc.Descendants("tr")
            .Single(tr => tr.Elements("td").FirstOrDefault()?.Value == "pair.accuracy_with_tie")
            .Elements("td").ToArray();
        Assert.That(row[1].Value, Is.EqualTo("0.5000 ± 0.0000"));
        Assert.That(row[2].Value, Is.EqualTo("1.0000 ± 0.0000"));
        Assert.That(row[3].Value, Is.EqualTo("+0.5000"));
        Assert.That((string?)row[3].Attribute("class"), Is.EqualTo("better"));
        var failures = doc.Descendants("tr")
            .Single(tr => tr.Elements("td").FirstOrDefault()?.Value == "consistency.pair.exact_match");
        Assert.That(failures.Elements("td").Last().Value, Is.EqualTo("0"));
    }

    [Test]
    public void Render_LeavesOutAbsentParts()
    {
        string html = HtmlReport.Render(new ReportInput("empty"));
        Assert.That(html, Does.Not.Contain("<svg"));
        Assert.That(html, Does.Not.Contain("<table"));
        ParseXml(html);
    }

    [Test]
    public void Write_ReplacesAtomicallyAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_dir, "report.html");
        File.WriteAllText(path, "old");
        HtmlReport.Write(path, new ReportInput("new"));
        Assert.That(File.ReadAllText(path), Does.Contain("<h1>new</h1>"));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "report.html" }));
    }

    [Test]
    public void Write_FailsWithoutTouchingTheTargetOnBadInput()
    {
        string path = Path.Combine(_dir, "report.html");
        File.WriteAllText(path, "old");
        var input = new ReportInput("x", Examples:
            [new ExampleJudgment("e1", [1, 2, 3], "q", ["a"], "A", "[[A]]", 0)]);
        var ex = Assert.Throws<EvalException>(() => HtmlReport.Write(path, input));
        Assert.That(ex!.Message, Does.Contain("not a PNG"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
    }

    [TestCase("{\"step\": 1, \"phase\": \"rl\", \"kl\": oops}", "not valid JSON")]
    [TestCase("{\"step\": 1, \"phase\": \"rl\", \"kl\": \"high\"}", "'kl' must be a number")]
    [TestCase("{\"step\": 1, \"phase\": \"rl\", \"kl\": [1]}", "'kl' must be a number")]
    [TestCase("{\"step\": 1.5, \"phase\": \"rl\"}", "'step' is missing or not an integer")]
    [TestCase("{\"phase\": \"rl\"}", "'step' is missing or not an integer")]
    [TestCase("{\"step\": 1, \"phase\": \"ppo\"}", "'phase' must be")]
    [TestCase("[1, 2]", "must be a JSON object")]
    public void Read_ThrowsForMalformedMetricsLineNamingIt(string bad, string message)
    {
        string path = WriteMetrics(s_metricLines[0], "", bad);
        var ex = Assert.Throws<EvalException>(() => HtmlReport.Render(new ReportInput("x", path)));
        Assert.That(ex!.Line, Is.EqualTo(3));
        Assert.That(ex.Path, Is.EqualTo(path));
        Assert.That(ex.Message, Does.Contain(message));
    }

    [Test]
    public void Read_ThrowsForMissingMetricsFile() =>
        Assert.Throws<EvalException>(() => TrainingLog.Read(Path.Combine(_dir, "none.jsonl")));
}
