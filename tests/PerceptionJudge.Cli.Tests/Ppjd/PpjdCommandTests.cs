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
}
