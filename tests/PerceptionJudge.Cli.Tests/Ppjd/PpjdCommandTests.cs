using System.Text.Json;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests.Ppjd;

[TestFixture]
public sealed class PpjdCommandTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    [Test]
    public void Build_Validate_Preview_RoundTrip()
    {
        string data = _dir.File("ppjd");
        var build = CliRun.Run("ppjd", "build", "--synthetic", "3", "--out", data, "--seed", "7");
        Assert.That(build.ExitCode, Is.EqualTo(0), build.Stderr);
        Assert.That(build.Stdout, Does.Contain("built 3 image pairs"));
        Assert.That(build.StderrLines[^1], Is.EqualTo("ppjd: 3/3 pairs"));

        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "dataset.json")));
        int records = File.ReadLines(Path.Combine(data, "manifest.jsonl")).Count();
        Assert.That(records, Is.GreaterThanOrEqualTo(3 * 3), "each pair yields score, pair and ranking records");
        Assert.That(info.RootElement.GetProperty("records").GetInt32(), Is.EqualTo(records));

        var validate = CliRun.Run("ppjd", "validate", data);
        Assert.That(validate.ExitCode, Is.EqualTo(0), validate.Stderr);
        Assert.That(validate.Stdout, Does.Contain($"{records} records valid"));

        string sheet = _dir.File("sheet.png");
        var preview = CliRun.Run("ppjd", "preview", data, "--out", sheet, "--pairs", "2");
        Assert.That(preview.ExitCode, Is.EqualTo(0), preview.Stderr);
        Assert.That(preview.Stdout, Does.Contain("(2 pairs)"));
        Assert.That(File.ReadAllBytes(sheet).AsSpan(1, 3).ToArray(), Is.EqualTo("PNG"u8.ToArray()));
    }

    [Test]
    public void Build_SameSeedGivesSameManifest()
    {
        string a = _dir.File("a"), b = _dir.File("b");
        Assert.That(CliRun.Run("ppjd", "build", "--synthetic", "2", "--out", a).ExitCode, Is.EqualTo(0));
        Assert.That(CliRun.Run("ppjd", "build", "--synthetic", "2", "--out", b).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllBytes(Path.Combine(b, "manifest.jsonl")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(a, "manifest.jsonl"))));
    }

    [Test]
    public void Validate_TamperedImageFailsWithOneLineNamingTheManifestLine()
    {
        string data = _dir.File("ppjd");
        Assert.That(CliRun.Run("ppjd", "build", "--synthetic", "1", "--out", data).ExitCode, Is.EqualTo(0));
        string image = Directory.GetFiles(data, "*.png", SearchOption.AllDirectories)[0];
        File.WriteAllBytes(image, [1, 2, 3]);

        var result = CliRun.Run("ppjd", "validate", data);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StderrLines, Has.Length.EqualTo(1));
        Assert.That(result.StderrLines[0], Does.StartWith("error: ").And.Contain("manifest.jsonl").And.Contain("SHA-256"));
    }

    [Test]
    public void Validate_MissingFolderIsAUserError()
    {
        var result = CliRun.Run("ppjd", "validate", _dir.File("nothing-here"));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StderrLines[0], Does.Contain("manifest not found"));
    }

    [Test]
    public void Build_RejectsZeroPairs()
    {
        var result = CliRun.Run("ppjd", "build", "--synthetic", "0", "--out", _dir.File("x"));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StderrLines[0], Does.Contain("--synthetic must be at least 1"));
    }

    [Test]
    public void Build_ImageSizeStoresSmallerImagesOfTheSameRecords()
    {
        string full = _dir.File("full"), small = _dir.File("small");
        Assert.That(CliRun.Run("ppjd", "build", "--synthetic", "2", "--out", full).ExitCode, Is.EqualTo(0));
        var build = CliRun.Run("ppjd", "build", "--synthetic", "2", "--out", small, "--image-size", "64");
        Assert.That(build.ExitCode, Is.EqualTo(0), build.Stderr);
        var image = PerceptionJudge.Data.Images.ImageCodec.Load(
            Directory.GetFiles(Path.Combine(small, "images"))[0]);
        Assert.That((image.Width, image.Height), Is.EqualTo((64, 64)));
        static string[] Ids(string dir) => [.. PerceptionJudge.Data.Ppjd.PpjdManifest.Read(dir).Select(r => r.Id)];
        Assert.That(Ids(small), Is.EqualTo(Ids(full)));
        Assert.That(CliRun.Run("ppjd", "validate", small).ExitCode, Is.EqualTo(0));
    }

    [TestCase("--synthetic", "2", "--image-size", "4")]
    [TestCase("--input", "x.jsonl", "--images", ".", "--image-size", "64")]
    public void Build_RejectsAnImageSizeOutOfRangeOrWithoutSynthetic(params string[] args)
    {
        var result = CliRun.Run(["ppjd", "build", .. args, "--out", _dir.File("x")]);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StderrLines[0], Does.Contain("--image-size goes with --synthetic and must be in [8, 448]"));
    }

    /// <summary>Writes a 40×30 grey PNG with a red 10×10 square at (10, 8); returns the image folder.</summary>
    private string Photo()
    {
        var img = PerceptionJudge.Data.Images.Rgba8Image.Filled(40, 30, 90, 90, 90);
        for (int y = 8; y < 18; y++)
        {
            for (int x = 10; x < 20; x++)
            {
                var p = img.Pixels.AsSpan((y * 40 + x) * 4, 3);
                (p[0], p[1], p[2]) = (220, 30, 30);
            }
        }

        PerceptionJudge.Data.Images.ImageCodec.Save(img, _dir.File("p.png"));
        return _dir.Path;
    }

    private static string Row(string question, string boxes) =>
        $$"""{"image": "p.png", "question": "{{question}}", "chosen": "Yes.", "rejected": "No.", "boxes": {{boxes}}}""";

    [Test]
    public void Build_WithNothingBuiltExitsTwoWithTheSkipReasonsCounted()
    {
        string images = Photo();
        string rows = _dir.File("rows.jsonl", Row("Is there a red square?", "[[10, 8, 10, 10]]") + "\n"
            + Row("What is it for?", "[[10, 8, 20, 18]]") + "\n");
        var result = CliRun.Run("ppjd", "build", "--input", rows, "--images", images, "--out", _dir.File("o"));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StderrLines[^1], Does.EndWith(
            "built nothing: 2 rows skipped (bad box 1, no answer-changing edit for the question 1)"));
    }

    [Test]
    public void Build_BoxFormatXywhReadsCocoBoxesAndPreviewWritesTheQuestion()
    {
        string images = Photo();
        string rows = _dir.File("rows.jsonl",
            Row("Is there a red square?", """[{"label": "red square", "bbox": [10, 8, 10, 10]}]""") + "\n");
        string data = _dir.File("o");
        var build = CliRun.Run("ppjd", "build", "--input", rows, "--images", images, "--out", data,
            "--box-format", "xywh");
        Assert.That(build.ExitCode, Is.EqualTo(0), build.Stderr);
        Assert.That(build.Stdout, Does.Contain("by edit: remove 1"));
        Assert.That(File.ReadAllText(Path.Combine(data, "manifest.jsonl")),
            Does.Contain("""
                "why":"presence question: \"red square\" is removed
                """));
        var bad = CliRun.Run("ppjd", "build", "--input", rows, "--images", images, "--out", data,
            "--box-format", "yolo");
        Assert.That(bad.ExitCode, Is.EqualTo(2));

        Assert.That(CliRun.Run("ppjd", "preview", data, "--out", _dir.File("sheet.png")).ExitCode, Is.EqualTo(0));
        var sheet = PerceptionJudge.Data.Images.ImageCodec.Load(_dir.File("sheet.png"));
        const int questionTop = 30 + 6 * 30 + 4; // headings, the pair enlarged 6×, half a pad
        int ink = 0;
        for (int y = questionTop; y < questionTop + 14; y++)
        {
            for (int x = 8; x < 8 + 12 * 20; x++)
            {
                ink += sheet.Pixel(x, y)[0] == 0 ? 1 : 0;
            }
        }

        Assert.That(ink, Is.GreaterThan(100), "\"Q: Is there a red square?\" under the pair");
        Assert.That(sheet.Height, Is.GreaterThanOrEqualTo(questionTop + 3 * 18 + 16), "question and edit lines");
    }
}
