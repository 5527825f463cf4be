using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Tests.Synthetic;

[TestFixture]
public sealed class SceneTests
{
    private static readonly SceneGenerator s_gen = new(new SceneOptions(160, 128, 3, 6));

    private static (byte R, byte G, byte B) PixelAt(Scene scene, int x, int y)
    {
        var img = scene.ToImage();
        var p = img.Pixel(x, y);
        return (p[0], p[1], p[2]);
    }

    private static bool IsPaletteColour(Scene scene, int x, int y, NamedColour expected)
    {
        var (r, g, b) = PixelAt(scene, x, y);
        var nearest = NamedColour.Nearest(r, g, b);
        int dr = nearest.R - r, dg = nearest.G - g, db = nearest.B - b;
        int d = dr * dr + dg * dg + db * db;
        return nearest == expected && d < 30 * 30;
    }

    [Test]
    public void Generate_SameSeedSameBytesOtherSeedDiffers()
    {
        var a = s_gen.Generate(11);
        var b = s_gen.Generate(11);
        var c = s_gen.Generate(12);
        Assert.That(a.Planes, Is.EqualTo(b.Planes));
        Assert.That(a.Objects.Select(o => o.Describe()), Is.EqualTo(b.Objects.Select(o => o.Describe())));
        Assert.That(a.Planes, Is.Not.EqualTo(c.Planes));
    }

    [TestCase(1UL)]
    [TestCase(2UL)]
    [TestCase(77UL)]
    [TestCase(1234UL)]
    public void Objects_AreConsistentWithThePixels(ulong seed)
    {
        var scene = s_gen.Generate(seed);
        Assert.That(scene.Objects, Has.Count.InRange(3, 6));
        Assert.That(scene.Objects.Select(o => o.Describe()).Distinct().Count(), Is.EqualTo(scene.Objects.Count));
        foreach (var o in scene.Objects)
        {
            Assert.That(IsPaletteColour(scene, o.CentreX, o.CentreY, o.Colour), $"{o} centre pixel");
            Assert.That(o.Mask.Coverage[o.CentreY * 160 + o.CentreX], Is.EqualTo(255));
            Assert.That(o.Bounds.X, Is.GreaterThanOrEqualTo(o.CentreX - o.Radius - 1));
            Assert.That(o.Bounds.Right, Is.LessThanOrEqualTo(o.CentreX + o.Radius + 2));
        }

        var text = scene.Text!;
        var b = text.Mask.Bounds;
        var ink = Enumerable.Range(0, 160 * 128).First(i => text.Mask.Coverage[i] == 255);
        var (r, g, bl) = PixelAt(scene, ink % 160, ink / 160);
        Assert.That(r + g + bl, Is.LessThan(90), "text ink is dark");
        Assert.That(b.Width, Is.GreaterThan(0));
    }

    [Test]
    public void Questions_AnswerFromTheObjectList()
    {
        var scene = s_gen.Generate(5);
        var qs = scene.Questions;
        foreach (var shape in scene.Objects.Select(o => o.Shape).Distinct())
        {
            var q = qs.Single(x => x.Question == $"How many {SceneObject.ShapeName(shape)}s are there in the image?");
            Assert.That(q.Answer, Is.EqualTo(scene.Objects.Count(o => o.Shape == shape).ToString()));
        }

        Assert.That(qs.Single(q => q.Kind == "text").Answer, Is.EqualTo(scene.Text!.Text));
        Assert.That(qs.Select(q => q.Kind).Distinct(), Is.SupersetOf(new[] { "count", "text" }));
    }

    [Test]
    public void Describe_ListsTheContentInPaletteThenShapeOrder_AndCountsRepeats()
    {
        var scene = s_gen.Generate(5);
        string expected = string.Join(", ", scene.Objects
            .OrderBy(o => NamedColour.IndexOf(o.Colour)).ThenBy(o => o.Shape)
            .Select(o => (o.Colour.Name == "orange" ? "an " : "a ") + o.Describe())) + $", the number {scene.Text!.Text}.";
        Assert.That(scene.Describe(), Is.EqualTo(expected));

        // Hand-made: a duplicated blue circle is counted, red comes before blue whatever the drawing order.
        var circle = scene.Objects[0] with { Shape = ShapeKind.Circle, Colour = NamedColour.Palette[2] };
        var star = scene.Objects[0] with { Shape = ShapeKind.Star, Colour = NamedColour.Palette[0] };
        var square = circle with { Shape = ShapeKind.Square, Colour = NamedColour.Palette[5] };
        var edited = new Scene(1, scene.Shape, scene.Planes, [circle, square, star, circle with { Id = 9 }], null);
        Assert.That(edited.Describe(), Is.EqualTo("a red star, 2 blue circles, an orange square."));
    }

    [Test]
    public void Options_SetTheRadiusRange_AndRejectABadOne()
    {
        var big = new SceneGenerator(new SceneOptions(448, 448, 2, 3, false, MinRadius: 0.12, MaxRadius: 0.18));
        foreach (var seed in new[] { 1UL, 2UL, 3UL, 4UL })
        {
            var scene = big.Generate(seed);
            Assert.That(scene.Objects, Has.Count.InRange(2, 3));
            Assert.That(scene.Objects.Select(o => o.Radius), Has.All.InRange(53, 80)); // ⌊448·0.12⌋ .. ⌊448·0.18⌋
        }

        Assert.That(() => new SceneGenerator(new SceneOptions(MinRadius: 0.1, MaxRadius: 0.05)),
            Throws.ArgumentException);
        Assert.That(() => new SceneGenerator(new SceneOptions(MaxRadius: 0.3)), Throws.ArgumentException);
    }

    [TestCase("recolour")]
    [TestCase("remove")]
    [TestCase("duplicate")]
    [TestCase("swap")]
    [TestCase("glyph")]
    public void Edit_FlipsAnAnswerAndChangesOnlyItsRegion(string kind)
    {
        SceneEdit? edit = null;
        for (ulong seed = 1; edit is null && seed < 40; seed++)
        {
            edit = SceneEditor.TryEdit(s_gen.Generate(seed), kind, seed);
        }

        Assert.That(edit, Is.Not.Null, $"no scene admitted a {kind} edit");
        var e = edit!;
        Assert.That(e.OriginalAnswer, Is.Not.EqualTo(e.PerturbedAnswer), e.Question);
        Assert.That(e.Original.Questions.Single(q => q.Question == e.Question).Answer, Is.EqualTo(e.OriginalAnswer));
        // The variant's own question list may not ask it (e.g. no red object is left), but where it does, it agrees.
        Assert.That(e.Perturbed.Questions.SingleOrDefault(q => q.Question == e.Question)?.Answer ?? e.PerturbedAnswer,
            Is.EqualTo(e.PerturbedAnswer));
        Assert.That(e.Description, Is.Not.Empty);
        var before = e.Original.Planes;
        var after = e.Perturbed.Planes;
        int changed = before.Zip(after).Count(p => p.First != p.Second);
        Assert.That(changed, Is.GreaterThan(30), e.Description);
        Func<int, int, bool> allowed = kind switch
        {
            "recolour" or "remove" => (x, y) => e.Original.Objects.Any(o => o.Mask.Coverage[y * 160 + x] != 0),
            "duplicate" => (x, y) => Inside(((TransplantOp)e.Operation).To, x, y),
            "swap" => (x, y) => e.Original.Objects.Concat(e.Perturbed.Objects).Any(o => Inside(o.Bounds, x, y)),
            _ => (x, y) => e.Original.Text!.Mask.Coverage[y * 160 + x] != 0
                || Inside(e.Perturbed.Text!.Mask.Bounds, x, y),
        };
        for (int i = 0; i < before.Length; i++)
        {
            int p = i % (160 * 128);
            if (before[i] != after[i] && !allowed(p % 160, p / 160))
            {
                Assert.Fail($"{e.Description}: pixel ({p % 160},{p / 160}) changed outside the edit");
            }
        }

        // The edited ground truth matches the edited pixels.
        foreach (var o in e.Perturbed.Objects)
        {
            Assert.That(IsPaletteColour(e.Perturbed, o.CentreX, o.CentreY, o.Colour), $"{e.Description}: {o}");
        }

        foreach (var gone in e.Original.Objects.Where(o => e.Perturbed.Objects.All(p => p.Id != o.Id)))
        {
            Assert.That(IsPaletteColour(e.Perturbed, gone.CentreX, gone.CentreY, gone.Colour), Is.False, "removed");
        }
    }

    private static bool Inside(PixelRect r, int x, int y) => x >= r.X && x < r.Right && y >= r.Y && y < r.Bottom;

    [Test]
    public void Edit_IsDeterministic()
    {
        var scene = s_gen.Generate(3);
        var a = SceneEditor.Edit(scene, 9);
        var b = SceneEditor.Edit(scene, 9);
        Assert.That(a.Perturbed.Planes, Is.EqualTo(b.Perturbed.Planes));
        Assert.That(a.Description, Is.EqualTo(b.Description));
    }

    [Test]
    public void Preview_WritesOriginalAndVariantsSideBySide()
    {
        // A person looks at this file to check that the edits are visibly meaningful.
        var gen = new SceneGenerator(new SceneOptions(224, 224));
        var rows = new List<(Rgba8Image A, Rgba8Image B)>();
        foreach (var kind in SceneEditor.Kinds)
        {
            for (ulong seed = 100; seed < 140; seed++)
            {
                if (SceneEditor.TryEdit(gen.Generate(seed), kind, seed) is SceneEdit e)
                {
                    TestContext.Out.WriteLine(
                        $"{kind}: {e.Description} | {e.Question} {e.OriginalAnswer} -> {e.PerturbedAnswer}");
                    rows.Add((e.Original.ToImage(), e.Perturbed.ToImage()));
                    break;
                }
            }
        }

        var sheet = new Rgba8Image(2 * 224 + 8, rows.Count * 228, new byte[(2 * 224 + 8) * rows.Count * 228 * 4]);
        for (int r = 0; r < rows.Count; r++)
        {
            Blit(rows[r].A, sheet, 0, r * 228);
            Blit(rows[r].B, sheet, 232, r * 228);
        }

        string path = Path.Combine(Path.GetTempPath(), "pj-scene-preview.png");
        ImageCodec.Save(sheet, path);
        Assert.That(ImageCodec.Load(path).Height, Is.EqualTo(rows.Count * 228));
        Assert.That(rows, Has.Count.EqualTo(SceneEditor.Kinds.Count));
    }

    private static void Blit(Rgba8Image src, Rgba8Image dst, int x0, int y0)
    {
        for (int y = 0; y < src.Height; y++)
        {
            src.Pixels.AsSpan(y * src.Width * 4, src.Width * 4)
                .CopyTo(dst.Pixels.AsSpan(((y0 + y) * dst.Width + x0) * 4));
        }
    }
}
