using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Data.Tests.Ppjd;

[TestFixture]
public sealed class PpjdImportTests
{
    private ImportFixture.Folder _folder = null!;
    private string _root = "";
    private string _images = "";
    private string _out = "";

    [SetUp]
    public void SetUp()
    {
        _folder = new ImportFixture.Folder("pj-import-");
        (_root, _images, _out) = (_folder.Root, _folder.Images, _folder.Out);
        ImportFixture.WriteImage(Path.Combine(_images, "sub", "b.png"), 90);
        File.WriteAllBytes(Path.Combine(_images, "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
    }

    [TearDown]
    public void TearDown() => _folder.Delete();

    private string Input(params string[] lines) => _folder.Input(lines);

    [Test]
    public void Mmpr_BuildsAValidDatasetWithTheDocumentedLabels()
    {
        string input = Input(
            ImportFixture.Mmpr("a.png", """, "boxes": [[16, 8, 32, 24]]"""),
            ImportFixture.Mmpr("sub/b.png"));
        var info = PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, 3));
        Assert.That(info.Pairs, Is.EqualTo(2));
        Assert.That(info.Skipped, Is.Zero);
        Assert.That(PpjdManifest.Validate(_out), Is.EqualTo(info.Records));
        Assert.That(info.Records, Is.EqualTo(4 + 5), "semantic row: 3 original + 1 perturbed; noise row: 3 + 2");
        Assert.That(info.PairsByPerturbation["noise"], Is.EqualTo(1));

        var records = PpjdManifest.Read(_out).ToList();
        foreach (var r in records)
        {
            bool semantic = r.Perturbation.Kind != "noise";
            if (r.Task == PpjdTask.Pair)
            {
                Assert.That(r.Responses[r.Label[0] - 'A'], Is.EqualTo("It is red."), r.Id);
                Assert.That(r.Image == "original" || !semantic, r.Id);
            }
            else if (r.Responses[0] == "It is blue.")
            {
                Assert.That((r.Image, r.Label), Is.EqualTo(("original", "0")), r.Id);
            }
            else
            {
                string expected = r.Image == "original" || !semantic ? "1" : "0";
                Assert.That(r.Label, Is.EqualTo(expected), r.Id);
            }
        }

        var semanticRecord = records.First(r => r.Perturbation.Kind != "noise");
        Assert.That(semanticRecord.Perturbation.Kind, Is.AnyOf("recolour", "remove"));
        Assert.That(semanticRecord.Perturbation.Description, Does.Contain("box 0 [16,8,32,24]"));
        Assert.That(records.Count(r => r.Image == "perturbed" && r.Perturbation.Kind != "noise"), Is.EqualTo(1));
    }

    [Test]
    public void Mmpr_SemanticEditChangesOnlyTheBox()
    {
        string input = Input(Enumerable.Range(0, 6)
            .Select(_ => ImportFixture.Mmpr("a.png", """, "boxes": [[16, 8, 32, 24]]""")).ToArray());
        var info = PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, 11));
        Assert.That(info.PairsByPerturbation.Keys, Is.SubsetOf(new[] { "recolour", "remove" }));
        Assert.That(info.Pairs, Is.EqualTo(6));
        for (int i = 1; i <= info.Pairs; i++)
        {
            var a = ImageCodec.Load(Path.Combine(_out, "images", $"{i:D6}-original.png"));
            var b = ImageCodec.Load(Path.Combine(_out, "images", $"{i:D6}-perturbed.png"));
            int inside = 0;
            for (int y = 0; y < a.Height; y++)
            {
                for (int x = 0; x < a.Width; x++)
                {
                    bool inBox = x is >= 16 and < 32 && y is >= 8 and < 24;
                    bool same = a.Pixel(x, y).SequenceEqual(b.Pixel(x, y));
                    Assert.That(same || inBox, $"pair {i} changed ({x},{y}) outside the box");
                    inside += same ? 0 : 1;
                }
            }

            Assert.That(inside, Is.GreaterThan(100), $"pair {i}: the edit is visible");
        }
    }

    [Test]
    public void Mmpr_RecolourInALooseBoxSparesTheBackground()
    {
        string input = Input(Enumerable.Range(0, 8)
            .Select(_ => ImportFixture.Mmpr("a.png", """, "boxes": [[12, 4, 36, 28]]""")).ToArray());
        PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, 13));
        var recoloured = PpjdManifest.Read(_out).Where(r => r.Perturbation.Kind == "recolour")
            .Select(r => r.PerturbedImage).Distinct().ToList();
        Assert.That(recoloured, Is.Not.Empty);
        var original = ImageCodec.Load(Path.Combine(_images, "a.png"));
        foreach (string path in recoloured)
        {
            var b = ImageCodec.Load(Path.Combine(_out, path));
            Assert.That(b.Pixel(13, 5).ToArray(), Is.EqualTo(original.Pixel(13, 5).ToArray()), "background kept");
            Assert.That(b.Pixel(20, 12).ToArray(), Is.Not.EqualTo(original.Pixel(20, 12).ToArray()), "object edited");
        }
    }

    [Test]
    public void Mmpr_SameSeedGivesSameBytes()
    {
        string input = Input(ImportFixture.Mmpr("a.png", """, "boxes": [[16, 8, 32, 24]]"""),
            ImportFixture.Mmpr("sub/b.png"));
        string other = Path.Combine(_root, "out2");
        PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, 5));
        PpjdImport.BuildMmpr(other, new PpjdImportOptions(input, _images, 5));
        Assert.That(File.ReadAllBytes(Path.Combine(other, "manifest.jsonl")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(_out, "manifest.jsonl"))));
        Assert.That(File.ReadAllBytes(Path.Combine(other, "images", "000001-perturbed.png")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(_out, "images", "000001-perturbed.png"))));
    }

    [Test]
    public void Triples_RankingAndImpliedPairsFollowTheTargetOrder()
    {
        string input = Input(Enumerable.Range(0, 8).Select(_ => ImportFixture.Triple("a.png")).ToArray());
        var info = PpjdImport.BuildTriples(_out, new PpjdImportOptions(input, _images, 2));
        Assert.That(PpjdManifest.Validate(_out), Is.EqualTo(info.Records));
        Assert.That(info.RecordsByTask[PpjdTask.BatchRanking], Is.EqualTo(8));
        Assert.That(info.RecordsByTask[PpjdTask.Pair], Is.EqualTo(24));
        string[] ranked = ["One square.", "Two squares.", "Five circles."];
        var records = PpjdManifest.Read(_out).ToList();
        var labels = new HashSet<string>();
        foreach (var r in records.Where(r => r.Task == PpjdTask.BatchRanking))
        {
            labels.Add(r.Label);
            Assert.That(r.Label.Select(c => r.Responses[c - 'A']), Is.EqualTo(ranked), r.Id);
            Assert.That(r.OriginalImage, Is.EqualTo(r.PerturbedImage));
        }

        Assert.That(labels.Count, Is.GreaterThan(1), "letters are shuffled per row");
        foreach (var r in records.Where(r => r.Task == PpjdTask.Pair))
        {
            string better = r.Responses[r.Label[0] - 'A'], worse = r.Responses[1 - (r.Label[0] - 'A')];
            Assert.That(Array.IndexOf(ranked, better), Is.LessThan(Array.IndexOf(ranked, worse)), r.Id);
        }
    }

    [Test]
    public void Triples_SameSeedGivesSameManifest()
    {
        string input = Input(ImportFixture.Triple("a.png"), ImportFixture.Triple("sub/b.png"));
        string other = Path.Combine(_root, "out2");
        PpjdImport.BuildTriples(_out, new PpjdImportOptions(input, _images, 9));
        PpjdImport.BuildTriples(other, new PpjdImportOptions(input, _images, 9));
        Assert.That(File.ReadAllBytes(Path.Combine(other, "manifest.jsonl")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(_out, "manifest.jsonl"))));
    }

    [Test]
    public void BadRows_AreCountedWithTheirLineNumbers()
    {
        string input = Input(
            ImportFixture.Mmpr("a.png"),
            "{\"image\": \"a.png\", ",
            """{"image": "a.png", "chosen": "x", "rejected": "y"}""",
            ImportFixture.Mmpr("missing.png"),
            ImportFixture.Mmpr("broken.png"),
            ImportFixture.Mmpr("a.png", """, "source": "mmpr" """),
            ImportFixture.Mmpr("a.png", """, "boxes": [[100, 100, 120, 120]]"""),
            "",
            """{"image": 3, "question": "q", "chosen": "x", "rejected": "y"}""",
            "[1, 2]");
        var issues = new List<PpjdRowIssue>();
        var info = PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images), issues.Add);
        var skipped = issues.Where(i => i.Skipped).ToList();
        Assert.That(skipped.Select(i => i.Line), Is.EqualTo(new[] { 2, 3, 4, 5, 7, 9, 10 }));
        Assert.That(skipped[0].Reason, Does.StartWith("bad JSON"));
        Assert.That(skipped[1].Reason, Is.EqualTo("missing field 'question'"));
        Assert.That(skipped[2].Reason, Is.EqualTo("image not found: missing.png"));
        Assert.That(skipped[3].Reason, Does.StartWith("unreadable image broken.png"));
        Assert.That(skipped[4].Reason, Does.Contain("outside the 64x48 image"));
        Assert.That(skipped[5].Reason, Does.Contain("'image' must be a non-empty string"));
        Assert.That(issues.Where(i => !i.Skipped).Select(i => (i.Line, i.Reason)),
            Is.EqualTo(new[] { (6, "unknown field 'source'") }));
        Assert.That(info.Skipped, Is.EqualTo(7));
        Assert.That(info.Pairs, Is.EqualTo(2));
        Assert.That(File.ReadAllText(Path.Combine(_out, "dataset.json")), Does.Contain("\"skipped\": 7"));
        Assert.That(PpjdManifest.Validate(_out), Is.EqualTo(info.Records));
    }

    [Test]
    public void Strict_FailsOnTheFirstBadRowWithFileAndLine()
    {
        string input = Input(ImportFixture.Triple("a.png"), ImportFixture.Triple("missing.png"));
        var e = Assert.Throws<DataException>(() =>
            PpjdImport.BuildTriples(_out, new PpjdImportOptions(input, _images, Strict: true)));
        Assert.That(e!.Line, Is.EqualTo(2));
        Assert.That(e.Path, Is.EqualTo(input));
        Assert.That(e.Message, Does.Contain("image not found: missing.png"));
        Assert.That(File.Exists(Path.Combine(_out, "manifest.jsonl")), Is.False, "no complete-looking manifest");
    }

    [Test]
    public void Strict_FailsOnAnUnknownField()
    {
        string input = Input(ImportFixture.Mmpr("a.png", """, "extra": 1"""));
        var e = Assert.Throws<DataException>(() =>
            PpjdImport.BuildMmpr(_out, new PpjdImportOptions(input, _images, Strict: true)));
        Assert.That((e!.Line, e.Message), Is.EqualTo((1, $"{input}:1: unknown field 'extra'")));
    }

    [Test]
    public void MissingInputOrImageFolder_IsADataException()
    {
        Assert.Throws<DataException>(() =>
            PpjdImport.BuildMmpr(_out, new PpjdImportOptions(Path.Combine(_root, "nope.jsonl"), _images)));
        Assert.Throws<DataException>(() =>
            PpjdImport.BuildMmpr(_out, new PpjdImportOptions(Input(), Path.Combine(_root, "nope"))));
    }
}
