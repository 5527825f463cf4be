using System.Text.Json;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Cli.Tests.Ppjd;

[TestFixture]
public sealed class PpjdImportCommandTests
{
    private const string Mmpr =
        """{"image": "a.png", "question": "What colour?", "chosen": "Red.", "rejected": "Blue.", "boxes": [[4, 4, 12, 12]]}""";

    private const string Triple =
        """{"image_path": "a.png", "question": "How many?", "answer": "1", "chosen": "One.", "rejected_perception_1": "Two.", "rejected_perception_answer_1": "2", "rejected_perception_2": "Nine.", "rejected_perception_answer_2": "9"}""";

    private TempDir _dir = null!;
    private string _images = "";

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDir();
        _images = Path.Combine(_dir.Path, "img");
        Directory.CreateDirectory(_images);
        var img = Rgba8Image.Filled(32, 24, 30, 60, 90);
        for (int y = 4; y < 12; y++)
        {
            img.Pixels.AsSpan((y * 32 + 4) * 4, 8 * 4).Fill(200);
        }

        ImageCodec.Save(img, Path.Combine(_images, "a.png"));
    }

    [TearDown]
    public void TearDown() => _dir.Delete();

    [Test]
    public void BuildInput_ReportsSkippedLinesAndValidates()
    {
        string rows = _dir.File("rows.jsonl", string.Join("\n", Mmpr, "not json", Mmpr.Replace("a.png", "b.png"),
            Mmpr.Replace("}", ", \"id\": 7}")) + "\n");
        string data = _dir.File("out");
        var build = CliRun.Run("ppjd", "build", "--input", rows, "--images", _images, "--out", data, "--seed", "4");
        Assert.That(build.ExitCode, Is.EqualTo(0), build.Stderr);
        Assert.That(build.Stdout, Does.Contain("built 2 image pairs").And.Contain("(2 rows skipped)"));
        var issues = build.StderrLines.Where(l => !l.StartsWith("ppjd:", StringComparison.Ordinal)).ToArray();
        Assert.That(issues, Has.Length.EqualTo(3));
        Assert.That(issues[0], Does.StartWith("skipped line 2: bad JSON: "));
        Assert.That(issues[1..], Is.EqualTo(new[]
        {
            "skipped line 3: image not found: b.png",
            "warning line 4: unknown field 'id' ignored",
        }));
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "dataset.json")));
        Assert.That(info.RootElement.GetProperty("skipped").GetInt32(), Is.EqualTo(2));

        var validate = CliRun.Run("ppjd", "validate", data);
        Assert.That(validate.ExitCode, Is.EqualTo(0), validate.Stderr);
        Assert.That(PpjdManifest.Validate(data), Is.EqualTo(8));
    }

    [Test]
    public void BuildInput_StrictExitsTwoNamingTheLine()
    {
        string rows = _dir.File("rows.jsonl", Mmpr + "\n" + Mmpr.Replace("\"question\"", "\"q\"") + "\n");
        var build = CliRun.Run("ppjd", "build", "--input", rows, "--images", _images, "--out", _dir.File("o"),
            "--strict");
        Assert.That(build.ExitCode, Is.EqualTo(2));
        Assert.That(build.StderrLines[^1], Does.StartWith("error: ").And.Contain("rows.jsonl:2:"));
    }

    [Test]
    public void BuildTriples_WritesRankingAndPairs()
    {
        string rows = _dir.File("t.jsonl", Triple + "\n" + Triple + "\n");
        string data = _dir.File("out");
        var build = CliRun.Run("ppjd", "build", "--triples", rows, "--images", _images, "--out", data);
        Assert.That(build.ExitCode, Is.EqualTo(0), build.Stderr);
        Assert.That(build.Stdout, Does.Contain("batch_ranking 2, pair 6"));
        var ranking = PpjdManifest.Read(data).First(r => r.Task == PpjdTask.BatchRanking);
        Assert.That(ranking.Label.Select(c => ranking.Responses[c - 'A']),
            Is.EqualTo(new[] { "One.", "Two.", "Nine." }));
        Assert.That(CliRun.Run("ppjd", "validate", data).ExitCode, Is.EqualTo(0));
    }

    [TestCase("--synthetic", "2", "--input", "x.jsonl", "--images", ".")]
    [TestCase("--images", ".")]
    public void Build_NeedsExactlyOneSource(params string[] args)
    {
        var result = CliRun.Run(["ppjd", "build", "--out", _dir.File("o"), .. args]);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain("exactly one of --synthetic, --input, --triples"));
    }

    [Test]
    public void Build_InputNeedsImages()
    {
        var result = CliRun.Run("ppjd", "build", "--input", "x.jsonl", "--out", _dir.File("o"));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain("--images is required"));
    }
}
