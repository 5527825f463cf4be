using System.Text.Json;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Data.Synthetic;

namespace PerceptionJudge.Data.Tests.Ppjd;

[TestFixture]
public sealed class PpjdBuilderTests
{
    private static readonly SceneOptions s_small = new(96, 96, 3, 5);
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "pj-ppjd-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void BuildSynthetic_WritesAValidDatasetWithAllThreeTasks()
    {
        int reported = 0;
        var info = PpjdBuilder.BuildSynthetic(_dir, 8, 5, s_small, new Progress<int>(n => reported = n));
        Assert.That(info.Pairs, Is.EqualTo(8));
        Assert.That(PpjdManifest.Validate(_dir), Is.EqualTo(info.Records));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "images"), "*.png"), Has.Length.EqualTo(16));
        Assert.That(info.RecordsByTask[PpjdTask.Score], Is.EqualTo(16));
        Assert.That(info.RecordsByTask[PpjdTask.BatchRanking], Is.EqualTo(16));
        Assert.That(info.RecordsByTask[PpjdTask.Pair], Is.InRange(16, 24));
        Assert.That(info.PairsByPerturbation.Values.Sum(), Is.EqualTo(8));
        Assert.That(info.BuilderVersion, Is.EqualTo(PpjdBuilder.Version));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "dataset.json")),
            Does.Contain("\"builder_version\": \"0.1.0\""));
        Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty);
    }

    [Test]
    public void Records_PointAtTheResponseRightForTheImageShown()
    {
        PpjdBuilder.BuildSynthetic(_dir, 4, 9, s_small);
        var records = PpjdManifest.Read(_dir).ToList();
        foreach (var r in records.Where(r => r.Task == PpjdTask.Pair && !r.Id.EndsWith("-tie", StringComparison.Ordinal)))
        {
            Assert.That(r.Label, Is.EqualTo(r.CorrectFor[r.Image]), r.Id);
            string other = r.CorrectFor[r.Image == "original" ? "perturbed" : "original"];
            Assert.That(r.Responses[r.Label[0] - 'A'], Is.Not.EqualTo(r.Responses[other[0] - 'A']));
        }

        foreach (var r in records.Where(r => r.Task == PpjdTask.BatchRanking))
        {
            Assert.That(r.Label[0].ToString(), Is.EqualTo(r.CorrectFor[r.Image]), r.Id);
            Assert.That(r.Responses[r.Label[2] - 'A'], Is.EqualTo("I cannot tell from the image."));
        }

        var scores = records.Where(r => r.Task == PpjdTask.Score).ToList();
        Assert.That(scores.Where(r => r.Image == "original").All(r => r.Label == "1"));
        Assert.That(scores.Where(r => r.Image == "perturbed").All(r => r.Label == "0"));
        var first = records[0];
        var edit = SceneEditor.TryEdit(new SceneGenerator(s_small).Generate(first.Seed), first.Seed)!;
        Assert.That(first.Facts!["original"], Is.EqualTo(edit.Original.Describe()));
        Assert.That(first.Facts!["perturbed"], Is.EqualTo(edit.Perturbed.Describe()));
        Assert.That(records.Where(r => r.Perturbation.Kind != "swap").All(r => r.Facts!["original"] != r.Facts["perturbed"]),
            "an edit other than a swap (positions are not facts) changes the facts");
        Assert.That(first.OriginalSha256, Has.Length.EqualTo(64));
        Assert.That(first.Perturbation.Description, Is.Not.Empty);
        Assert.That(first.Perturbation.Operation, Does.Contain("("));
    }

    [Test]
    public void BuildSynthetic_IsDeterministic()
    {
        PpjdBuilder.BuildSynthetic(_dir, 3, 77, s_small);
        string again = _dir + "-again";
        try
        {
            PpjdBuilder.BuildSynthetic(again, 3, 77, s_small);
            Assert.That(File.ReadAllBytes(Path.Combine(again, "manifest.jsonl")),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(_dir, "manifest.jsonl"))));
        }
        finally
        {
            Directory.Delete(again, recursive: true);
        }
    }

    [Test]
    public void BuildSynthetic_ParallelWindowsEqualOnePairAtATime()
    {
        PpjdBuilder.BuildSynthetic(_dir, 11, 3, s_small);
        string serial = _dir + "-serial";
        try
        {
            var gen = new SceneGenerator(s_small);
            using (var writer = new PpjdWriter(serial))
            {
                for (int i = 0; i < 11; i++)
                {
                    ulong seed = PerceptionJudge.Kernels.Perturb.HashRng.Derive(3, (ulong)i);
                    writer.Add(SceneEditor.Edit(gen.Generate(seed), seed), seed);
                }

                writer.Complete("ppjd-synthetic", "synthetic", 3);
            }

            foreach (string file in new[] { "manifest.jsonl", "dataset.json", "images/000010-perturbed.png" })
            {
                Assert.That(File.ReadAllBytes(Path.Combine(serial, file)),
                    Is.EqualTo(File.ReadAllBytes(Path.Combine(_dir, file))), file);
            }
        }
        finally
        {
            Directory.Delete(serial, recursive: true);
        }
    }

    [Test]
    public void Validate_ReportsTheLineOfABadRecord()
    {
        PpjdBuilder.BuildSynthetic(_dir, 2, 1, s_small);
        string manifest = Path.Combine(_dir, "manifest.jsonl");
        var lines = File.ReadAllLines(manifest);
        lines[2] = "{not json";
        File.WriteAllLines(manifest, lines);
        var ex = Assert.Throws<DataException>(() => PpjdManifest.Validate(_dir));
        Assert.That(ex!.Line, Is.EqualTo(3));
        Assert.That(ex.Path, Is.EqualTo(manifest));
    }

    [Test]
    public void Validate_RejectsATamperedImage()
    {
        PpjdBuilder.BuildSynthetic(_dir, 2, 1, s_small);
        var record = PpjdManifest.Read(_dir).First();
        File.AppendAllText(Path.Combine(_dir, record.PerturbedImage), "x");
        var ex = Assert.Throws<DataException>(() => PpjdManifest.Validate(_dir));
        Assert.That(ex!.Message, Does.Contain("SHA-256"));
    }

    [Test]
    public void Manifest_UsesSnakeCaseFields()
    {
        PpjdBuilder.BuildSynthetic(_dir, 1, 2, s_small);
        using var doc = JsonDocument.Parse(File.ReadLines(Path.Combine(_dir, "manifest.jsonl")).First());
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(names, Is.SupersetOf(new[]
        {
            "id", "task", "seed", "image", "original_image", "perturbed_image", "original_sha256", "perturbed_sha256",
            "question", "responses", "correct_for", "label", "perturbation", "facts",
        }));
        Assert.That(names, Does.Not.Contain("shown_image"), "ShownImage is derived, not stored");
        Assert.That(names, Does.Not.Contain("shown_facts"), "ShownFacts is derived, not stored");
    }

    /// <summary>The manifest lines with the image hashes cut out (the only fields the stored size changes).</summary>
    private static string[] ManifestWithoutHashes(string dir) => File.ReadAllLines(Path.Combine(dir, "manifest.jsonl"))
        .Select(line =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            node.Remove("original_sha256");
            node.Remove("perturbed_sha256");
            return node.ToJsonString();
        })
        .ToArray();

    [TestCase(0, 32)]
    [TestCase(448, 64)]
    public void BuildSynthetic_ImageSizeStoresTheAreaAverageAndKeepsTheRecords(int drawn, int size)
    {
        var options = drawn == 0 ? s_small : new SceneOptions(drawn, drawn, 2, 3, false, 0.12, 0.18);
        string full = _dir + "-full";
        try
        {
            var big = PpjdBuilder.BuildSynthetic(full, 3, 21, options);
            var small = PpjdBuilder.BuildSynthetic(_dir, 3, 21, options, imageSize: size);
            Assert.That(small, Is.EqualTo(big).Using<PpjdDatasetInfo>((x, y) =>
                JsonSerializer.Serialize(x) == JsonSerializer.Serialize(y)), "dataset.json: same counts and seed");
            Assert.That(ManifestWithoutHashes(_dir), Is.EqualTo(ManifestWithoutHashes(full)));
            Assert.That(PpjdManifest.Validate(_dir), Is.EqualTo(small.Records), "hashes name the stored files");
            foreach (string file in Directory.GetFiles(Path.Combine(full, "images")))
            {
                var stored = PerceptionJudge.Data.Images.ImageCodec.Load(
                    Path.Combine(_dir, "images", Path.GetFileName(file)));
                var expected = PerceptionJudge.Data.Images.ImageResize.AreaAverage(
                    PerceptionJudge.Data.Images.ImageCodec.Load(file), size, size);
                Assert.That((stored.Width, stored.Height), Is.EqualTo((size, size)));
                Assert.That(stored.Pixels, Is.EqualTo(expected.Pixels), file);
            }
        }
        finally
        {
            Directory.Delete(full, recursive: true);
        }
    }
}

[TestFixture]
public sealed class ContactSheetTests
{
    private static int Ink(PerceptionJudge.Data.Images.Rgba8Image sheet, int y0, int y1, int x0, int x1)
    {
        int dark = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                dark += sheet.Pixel(x, y)[0] == 0 && sheet.Pixel(x, y)[2] == 0 ? 1 : 0;
            }
        }

        return dark;
    }

    [Test]
    public void Render_PlacesPairsSideBySideUnderColumnHeadingsWithALabel()
    {
        var a = PerceptionJudge.Data.Images.Rgba8Image.Filled(300, 10, 255, 0, 0);
        var b = PerceptionJudge.Data.Images.Rgba8Image.Filled(300, 10, 0, 0, 255);
        var sheet = ContactSheet.Render([new ContactSheetRow(a, b, "object 1 recoloured red→blue")]);
        const int top = 8 + 14 + 8; // pad, heading glyphs (7 × 2), pad
        Assert.That(sheet.Width, Is.EqualTo(2 * 300 + 3 * 8));
        Assert.That(sheet.Height, Is.EqualTo(top + (10 + 22 + 8) + 8), "headings, one row (image, label, pad), pad");
        Assert.That(sheet.Pixel(8, top).ToArray(), Is.EqualTo(new byte[] { 255, 0, 0, 255 }));
        Assert.That(sheet.Pixel(2 * 8 + 300, top).ToArray(), Is.EqualTo(new byte[] { 0, 0, 255, 255 }));
        Assert.That(Ink(sheet, 8, 22, 8, 8 + 8 * 12), Is.GreaterThan(20), "'original' heading over the left column");
        Assert.That(Ink(sheet, 8, 22, 16 + 300, 16 + 300 + 9 * 12), Is.GreaterThan(20),
            "'perturbed' heading over the right column");
        Assert.That(Ink(sheet, 8, 22, 8 + 8 * 12, 16 + 300), Is.Zero, "nothing between the headings");
        Assert.That(Ink(sheet, top + 10, sheet.Height, 0, sheet.Width), Is.GreaterThan(20), "label ink");
        Assert.That(ContactSheet.Headings, Is.EqualTo(new[] { "original", "perturbed" }));
    }

    [Test]
    public void Render_EnlargesSmallImagesByWholePixels()
    {
        var a = PerceptionJudge.Data.Images.Rgba8Image.Filled(64, 64, 255, 0, 0);
        a.Pixels[0] = 7; // pixel (0, 0) becomes a 4 × 4 block
        var b = PerceptionJudge.Data.Images.Rgba8Image.Filled(64, 64, 0, 0, 255);
        var sheet = ContactSheet.Render([new ContactSheetRow(a, b, "x")]);
        const int top = 30;
        Assert.That(sheet.Width, Is.EqualTo(2 * 256 + 3 * 8));
        Assert.That(sheet.Pixel(8 + 3, top + 3)[0], Is.EqualTo(7));
        Assert.That(sheet.Pixel(8 + 4, top + 3)[0], Is.EqualTo(255));
        Assert.That(sheet.Pixel(8 + 255, top + 255).ToArray(), Is.EqualTo(new byte[] { 255, 0, 0, 255 }));
        Assert.That(sheet.Pixel(2 * 8 + 256, top).ToArray(), Is.EqualTo(new byte[] { 0, 0, 255, 255 }));
        Assert.That(ContactSheet.Zoom(448, 448), Is.EqualTo(1));
    }

    [Test]
    public void Wrap_BreaksAtSpacesSplitsLongWordsAndMarksWhatIsCut()
    {
        Assert.That(ContactSheet.Wrap("Q: is the red part there?", 10, 3),
            Is.EqualTo(new[] { "Q: is the", "red part", "there?" }));
        Assert.That(ContactSheet.Wrap("abcdefghijkl", 5, 3), Is.EqualTo(new[] { "abcde", "fghij", "kl" }));
        Assert.That(ContactSheet.Wrap("one two three four", 5, 2), Is.EqualTo(new[] { "one", "tw..." }));
    }
}
