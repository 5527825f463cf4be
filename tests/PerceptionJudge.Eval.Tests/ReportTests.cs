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

    /// <summary>Lines as the trainer writes them: SFT steps counted across describe (1–2) and sft (3–4), RL steps
    /// from 1, a gap as null and as "NaN".</summary>
    private static readonly string[] s_metricLines =
    [
        "{\"step\": 1, \"phase\": \"sft\", \"describe_loss\": 3.0, \"time_step_s\": 0.5, "
            + "\"note\": \"unknown keys are ignored\"}",
        "{\"step\": 2, \"phase\": \"sft\", \"describe_loss\": 2.5, \"time_step_s\": 0.5}",
        "",
        "{\"step\": 3, \"phase\": \"sft\", \"sft_loss\": 2.0, \"time_step_s\": 1.0}",
        "{\"step\": 4, \"phase\": \"sft\", \"sft_loss\": 1.5, \"time_step_s\": 1.0}",
        "{\"step\": 1, \"phase\": \"rl\", \"reward_mean\": 0.2, \"kl\": 0.0, \"pg_clipfrac\": 0.1, "
            + "\"time_rollout_s\": 3.0, \"time_forward_s\": 0.4, \"time_step_s\": 4.0}",
        "{\"step\": 2, \"phase\": \"rl\", \"reward_mean\": 0.3, \"kl\": null, \"pg_clipfrac\": \"NaN\", "
            + "\"time_rollout_s\": 3.5, \"time_step_s\": 4.0}",
        "{\"step\": 3, \"phase\": \"rl\", \"reward_mean\": 0.45, \"kl\": 0.02, \"time_rollout_s\": 2.5, "
            + "\"time_forward_s\": \"NaN\", \"time_step_s\": 3.0}",
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
                "A",
                [
                    new JudgeVerdict("SFT base", "<answer>[[B]]</answer>", 0.0),
                    new JudgeVerdict("after GRPO", "<think>look</think><answer>[[A]]</answer>", 1.0),
                ],
                "pair · shown: the original image"),
            new ExampleJudgment("pair/2", s_png, "q", ["a", "b"], "B",
                [new JudgeVerdict("SFT base", "[[B]]", 1.0), new JudgeVerdict("after GRPO", "[[A]]", 0.0)]),
        ],
        "how they were picked");

    private static XDocument ParseXml(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html),
            new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static XElement Plot(XDocument doc, string metric) =>
        doc.Descendants("svg").Single(s => (string?)s.Attribute("data-metric") == metric);

    private static string[] Texts(XElement svg, string cssClass) => svg.Descendants("text")
        .Where(t => (string?)t.Attribute("class") == cssClass).Select(t => t.Value).ToArray();

    [Test]
    public void Write_ProducesWellFormedPageWithOneSvgPerPresentCurve()
    {
        string path = Path.Combine(_dir, "report.html");
        HtmlReport.Write(path, FullInput());
        string html = File.ReadAllText(path);
        var doc = ParseXml(html);
        var svgs = doc.Descendants("svg").Select(s => (string)s.Attribute("data-metric")!).ToArray();
        Assert.That(svgs, Is.EqualTo(new[]
        {
            "describe_loss", "sft_loss", "reward_mean", "kl", "pg_clipfrac", "time per stage",
        }));
        Assert.That(html.Split("<svg").Length - 1, Is.EqualTo(6));
    }

    [Test]
    public void Render_DrawsTheSftCurvesOverTheirOwnSteps()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        var describe = Plot(doc, "describe_loss");
        var sft = Plot(doc, "sft_loss");
        Assert.That(Texts(describe, "axis-title x"), Is.EqualTo(new[] { "SFT step" }));
        Assert.That(Texts(describe, "axis-title y"), Is.EqualTo(new[] { "cross-entropy (nats/token)" }));
        Assert.That(Texts(describe, "tick x"), Is.EqualTo(new[] { "1", "2" }));
        Assert.That(Texts(sft, "tick x"), Is.EqualTo(new[] { "3", "4" }), "SFT steps run on across both stages");
        Assert.That(Texts(sft, "tick y"), Is.EqualTo(new[] { "1.4", "1.6", "1.8", "2", "2.2" }),
            "the y range widens to whole ticks around 1.5 .. 2");
        var cx = sft.Descendants("circle").Select(c => (double)c.Attribute("cx")!).ToArray();
        Assert.That(cx, Is.EqualTo(new[] { 64.0, 446.0 }), "x runs from the first step to the last across the plot");
    }

    [Test]
    public void Render_GivesEveryPlotATitleAxisTitlesAndTickLabels()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        foreach (var svg in doc.Descendants("svg"))
        {
            string metric = (string)svg.Attribute("data-metric")!;
            Assert.That(Texts(svg, "title").Single(), Is.Not.Empty, metric);
            Assert.That(Texts(svg, "axis-title x").Single(), Is.Not.Empty, metric);
            Assert.That(Texts(svg, "axis-title y").Single(), Is.Not.Empty, metric);
            Assert.That(Texts(svg, "tick x"), Has.Length.GreaterThanOrEqualTo(2), metric);
            Assert.That(Texts(svg, "tick y"), Has.Length.GreaterThanOrEqualTo(2), metric);
        }

        Assert.That(Texts(Plot(doc, "reward_mean"), "axis-title x"), Is.EqualTo(new[] { "RL step" }));
        Assert.That(Texts(Plot(doc, "reward_mean"), "tick x"), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(Texts(Plot(doc, "pg_clipfrac"), "tick x"), Is.EqualTo(new[] { "1", "2", "3" }),
            "a curve with values on some RL steps still spans all of RL, so the RL plots line up");
    }

    [Test]
    public void Write_StacksTheSummedTimeOfEachStage()
    {
        var timing = Plot(ParseXml(HtmlReport.Render(FullInput())), "time per stage");
        var titles = timing.Descendants("title").Select(t => t.Value).ToArray();
        Assert.That(titles, Is.EquivalentTo(new[]
        {
            "describe rest of step: 1 s", "sft rest of step: 2 s", "rl rollout: 9 s", "rl forward: 0.4 s",
            "rl rest of step: 1.6 s",
        }), "the NaN forward time of RL step 3 is a gap; an SFT step is all 'rest of step'");
        Assert.That(Texts(timing, "tick x"), Is.EqualTo(new[] { "describe", "sft", "rl" }));
        Assert.That(timing.Descendants("text").Select(t => t.Value), Does.Contain("2 s").And.Contain("11 s"));
    }

    [Test]
    public void Write_BreaksLinesAtGaps()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        var kl = Plot(doc, "kl");
        Assert.That(kl.Descendants("circle").Count(), Is.EqualTo(2));
        Assert.That(kl.Descendants("polyline"), Is.Empty, "the null on step 2 splits the two points");
        Assert.That(Plot(doc, "reward_mean").Descendants("polyline").Count(), Is.EqualTo(1));
    }

    [Test]
    public void Render_DrawsADenseCurveFaintWithItsMovingMean()
    {
        var lines = Enumerable.Range(1, 100)
            .Select(i => $"{{\"step\": {i}, \"phase\": \"sft\", \"describe_loss\": {(i % 2 == 0 ? 1 : 3)}}}");
        var plot = Plot(ParseXml(HtmlReport.Render(new ReportInput("x", WriteMetrics([.. lines])))),
            "describe_loss");
        Assert.That(plot.Descendants("circle"), Is.Empty);
        Assert.That(plot.Descendants("polyline").Count(), Is.EqualTo(2));
        Assert.That(Texts(plot, "note").Single(), Is.EqualTo("faint: each step; line: mean of the last 4"));
        Assert.That(Texts(plot, "tick x"), Is.EqualTo(new[] { "20", "40", "60", "80", "100" }));
    }

    [Test]
    public void Render_ShowsBothJudgesSideBySideOnTheSameRecord()
    {
        var doc = ParseXml(HtmlReport.Render(FullInput()));
        var examples = doc.Descendants("div").Where(d => (string?)d.Attribute("class") == "example").ToArray();
        Assert.That(examples.Select(e => (string?)e.Attribute("data-id")), Is.EqualTo(new[] { "pair/1", "pair/2" }));
        var first = examples[0];
        Assert.That(first.Descendants("img").Count(), Is.EqualTo(1), "one image for both judges");
        var table = first.Descendants("table").Single(t => (string?)t.Attribute("class") == "judges");
        Assert.That(table.Descendants("th").Select(t => t.Value), Is.EqualTo(new[] { "SFT base", "after GRPO" }));
        var cells = table.Descendants("td").ToArray();
        Assert.That(cells.Select(c => c.Element("pre")!.Value),
            Is.EqualTo(new[] { "<answer>[[B]]</answer>", "<think>look</think><answer>[[A]]</answer>" }));
        Assert.That(cells.Select(c => c.Element("p")!.Value),
            Is.EqualTo(new[] { "Reward: 0.0000", "Reward: 1.0000" }));
        Assert.That((string?)cells[1].Element("p")!.Attribute("class"), Is.EqualTo("reward better"));
        var second = examples[1].Descendants("td").ToArray();
        Assert.That((string?)second[1].Element("p")!.Attribute("class"), Is.EqualTo("reward worse"));
        Assert.That(first.Descendants("p").Any(p => p.Value == "pair · shown: the original image"), Is.True);
        Assert.That(doc.Descendants("p").Any(p => p.Value == "how they were picked"), Is.True);
    }

    [Test]
    public void Render_ExplainsEachNotApplicableMetric()
    {
        JudgeExample Score(int id, int truth) =>
            new($"score/{id}", JudgeTask.Score, "coco", $"{id}.jpg", "q", ["a"], JudgeTruth.ForScore(truth));
        var examples = new[] { Score(1, 4), Score(2, 2), Score(3, 5) };
        var constant = JudgeEvaluator.EvaluateSeeds(examples,
            [.. examples.SelectMany(e => new[] { 0, 1 }
                .Select(seed => new JudgePrediction(e.Id, seed, "<answer>3</answer>")))]);
        var varied = JudgeEvaluator.EvaluateSeeds(examples,
        [
            new("score/1", 0, "<answer>4</answer>"), new("score/2", 0, "<answer>1</answer>"),
            new("score/3", 0, "<answer>5</answer>"), new("score/1", 1, "<answer>2</answer>"),
            new("score/2", 1, "<answer>2</answer>"), new("score/3", 1, "no score"),
        ]);
        var doc = ParseXml(HtmlReport.Render(new ReportInput("x", Before: constant, After: varied)));
        var row = doc.Descendants("tr")
            .Single(tr => tr.Elements("td").FirstOrDefault()?.Value == "score.pearson").Elements("td").ToArray();
        Assert.That(row[1].Value, Is.EqualTo("n/a"));
        var notes = doc.Descendants("ul").Single(u => (string?)u.Attribute("class") == "notes")
            .Elements("li").Select(li => li.Value).ToArray();
        Assert.That(notes, Does.Contain("score.pearson before: n/a on seeds 0, 1: the judge gave every parsed "
            + "record the same score (3), so r is 0/0"));
        Assert.That(notes, Does.Contain("score.pearson after: defined on 1 of 2 seeds (the mean is over those); "
            + "n/a on seed 1: the judge gave every parsed record the same score (2), so r is 0/0"));
        Assert.That(notes.Where(n => n.StartsWith("score.pearson.coco", StringComparison.Ordinal)).Count(),
            Is.EqualTo(2), "the per-dataset r gets its own note");
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
            [new ExampleJudgment("e1", [1, 2, 3], "q", ["a"], "A", [new JudgeVerdict("j", "[[A]]", 0)])]);
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
