using System.Text.Json;
using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Data.Tests.Ppjd;

/// <summary>
/// The box forms of imported rows (bare arrays, labelled objects, COCO xywh, normalised 0–1) all reach the same
/// pixels; every bad box is skipped with its line and reason; a build that writes nothing fails with the counts.
/// </summary>
[TestFixture]
public sealed class BoxFormatTests
{
    private ImportFixture.Folder _folder = null!;
    private string _root = "";
    private string _images = "";
    private string _out = "";

    [SetUp]
    public void SetUp()
    {
        _folder = new ImportFixture.Folder("pj-boxes-");
        (_root, _images, _out) = (_folder.Root, _folder.Images, _folder.Out);
    }

    [TearDown]
    public void TearDown() => _folder.Delete();

    private string Input(params string[] lines) => _folder.Input(lines);

    // The square at [16,8,32,24) of the 64×48 fixture, in each form.
    [TestCase("[[16, 8, 32, 24]]", BoxFormat.Xyxy, null)]
    [TestCase("""[{"label": "red square", "bbox": [16, 8, 32, 24], "score": 0.9}]""", BoxFormat.Xyxy, "red square")]
    [TestCase("""[{"box": [16, 8, 32, 24]}]""", BoxFormat.Xyxy, null)]
    [TestCase("[[16, 8, 16, 16]]", BoxFormat.Xywh, null)]
    [TestCase("[[0.25, 0.1666667, 0.5, 0.5]]", BoxFormat.XyxyNorm, null)]
    [TestCase("""[{"label": "red square", "bbox": [0.25, 0.1666667, 0.25, 0.3333333]}]""", BoxFormat.XywhNorm,
        "red square")]
    public void EveryBoxFormReachesTheSamePixels(string boxes, BoxFormat format, string? label)
    {
        string input = Input(ImportFixture.Mmpr("a.png", $", \"boxes\": {boxes}"));
        PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, 3, BoxFormat: format));
        var edit = PpjdManifest.Read(_out).First().Perturbation;
        string expected = "box 0 [16,8,32,24]" + (label is null ? "" : $" (\"{label}\")");
        Assert.That(edit.Description, Does.StartWith(expected));
        Assert.That(edit.Why, Does.Contain(label is null ? "the object in box 0" : $"\"{label}\""));
    }

    [Test]
    public void ARowsOwnBoxFormatWinsOverTheOption()
    {
        string input = Input(ImportFixture.Mmpr("a.png", """, "boxes": [[16, 8, 16, 16]], "box_format": "xywh" """));
        var info = PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, BoxFormat: BoxFormat.XyxyNorm));
        Assert.That(info.Skipped, Is.Zero);
        Assert.That(PpjdManifest.Read(_out).First().Perturbation.Description, Does.StartWith("box 0 [16,8,32,24]"));
    }

    [TestCase("[[16, 8, 16, 30]]", "boxes[0] [16,8,16,30] is degenerate (0x22 px)")]
    [TestCase("[[30, 8, 16, 24]]",
        "boxes[0] [30,8,16,24] has x1 < x0 or y1 < y0 (COCO [x,y,w,h]? use --box-format xywh)")]
    [TestCase("[[0.25, 0.2, 0.5, 0.5]]", "boxes[0] [0.25,0.2,0.5,0.5] is degenerate (0.25x0.3 px); "
        + "for 0-1 coordinates use --box-format xyxy-norm or xywh-norm")]
    [TestCase("[[40, 8, 70, 24]]", "boxes[0] [40,8,70,24] reaches outside the 64x48 image")]
    [TestCase("[[-5, 8, 10, 24]]", "boxes[0] [-5,8,10,24] reaches outside the 64x48 image")]
    [TestCase("[[1, 2, 3]]", "boxes[0] must be four numbers or {\"label\": ..., \"bbox\": [four numbers]}")]
    [TestCase("""[{"label": "x"}]""", "boxes[0] has no 'bbox'")]
    [TestCase("""[{"label": 7, "bbox": [16, 8, 32, 24]}]""", "boxes[0].label must be a non-empty string")]
    [TestCase("""[[16, 8, 32, 24]], "box_format": "yolo" """,
        "box_format 'yolo' is not one of xyxy, xywh, xyxy-norm, xywh-norm")]
    public void BadBoxes_AreSkippedWithTheirLineAndReason(string boxes, string reason)
    {
        string input = Input(ImportFixture.Mmpr("a.png"), ImportFixture.Mmpr("a.png", $", \"boxes\": {boxes}"));
        var issues = new List<PpjdRowIssue>();
        var info = PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images), issues.Add);
        Assert.That(issues, Is.EqualTo(new[] { new PpjdRowIssue(2, reason, true, "bad box") }));
        Assert.That(info.SkippedByReason, Is.EqualTo(new Dictionary<string, int> { ["bad box"] = 1 }));
    }

    [Test]
    public void ABoxOverhangingByUnderAPixelIsClipped()
    {
        string input = Input(ImportFixture.Mmpr("a.png", """, "boxes": [[16, 8, 64.6, 48.4]]"""));
        var info = PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images));
        Assert.That(info.Skipped, Is.Zero);
        Assert.That(PpjdManifest.Read(_out).First().Perturbation.Description, Does.StartWith("box 0 [16,8,64,48]"));
    }

    [Test]
    public void ABuildThatWritesNothingFailsWithTheReasonsCounted()
    {
        string input = Input(
            ImportFixture.Mmpr("a.png", """, "boxes": [[100, 100, 120, 120]]"""),
            ImportFixture.Mmpr("missing.png"),
            ImportFixture.Mmpr("a.png", """, "boxes": [[0, 0, 0.5, 0.5]]"""),
            """{"image": "a.png", "question": "What is it for?", "chosen": "x", "rejected": "y", """
                + "\"boxes\": [[16, 8, 32, 24]]}");
        var e = Assert.Throws<DataException>(() =>
            PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images)));
        Assert.That(e!.Message, Is.EqualTo($"{input}: built nothing: 4 rows skipped (bad box 2, image not found 1, "
            + "no answer-changing edit for the question 1)"));
        Assert.That(File.Exists(Path.Combine(_out, "manifest.jsonl")), Is.False);
        Assert.That(() => PpjdImport.BuildTriples(_out, new PpjdImportOptions(Input(), _images)),
            Throws.TypeOf<DataException>().With.Message.EndWith("built nothing: the input has no rows"));
    }

    [Test]
    public void SkipCountsPerReasonGoToDatasetJson()
    {
        string input = Input(ImportFixture.Mmpr("a.png"), ImportFixture.Mmpr("missing.png"), "{bad");
        PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "dataset.json")));
        var byReason = doc.RootElement.GetProperty("skipped_by_reason");
        Assert.That(byReason.GetProperty("image not found").GetInt32(), Is.EqualTo(1));
        Assert.That(byReason.GetProperty("bad JSON").GetInt32(), Is.EqualTo(1));
    }
}
