using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Tests.Ppjd;

/// <summary>
/// Question-aware edits on a photo-like image (a textured green board with one red 24×24 part at [20,12,44,36]):
/// the classifier's rules, and for every question kind an edit whose effect on the answer can be measured.
/// </summary>
[TestFixture]
public sealed class AnswerEditTests
{
    private static readonly PixelRect s_part = new(20, 12, 24, 24);

    /// <summary>Green board with seeded per-pixel texture and the red part.</summary>
    internal static Rgba8Image Board(int w = 96, int h = 64, int seed = 5)
    {
        var rng = new Random(20261122 + seed);
        var img = Rgba8Image.Filled(w, h, 0, 0, 0);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                bool part = x >= s_part.X && x < s_part.Right && y >= s_part.Y && y < s_part.Bottom;
                int t = rng.Next(-25, 26);
                var p = img.Pixels.AsSpan((y * w + x) * 4, 3);
                (p[0], p[1], p[2]) = part ? ((byte)(215 + t / 3), (byte)30, (byte)30)
                    : ((byte)(40 + t), (byte)(110 + t), (byte)(60 + t));
            }
        }

        return img;
    }

    /// <summary>Pixels that read as the red part: R high, G and B low.</summary>
    private static List<(int X, int Y)> RedPixels(Rgba8Image img)
    {
        var red = new List<(int, int)>();
        for (int y = 0; y < img.Height; y++)
        {
            for (int x = 0; x < img.Width; x++)
            {
                var p = img.Pixel(x, y);
                if (p[0] > 150 && p[1] < 90 && p[2] < 90)
                {
                    red.Add((x, y));
                }
            }
        }

        return red;
    }

    private static MmprEdit.Result Edit(string question, string chosen = "It reads 42.", ulong seed = 3,
        string? label = "red part") =>
        MmprEdit.Make(Board(), [new RowBox(0, s_part, label)], question, chosen, seed);

    [TestCase("How many red parts are there?", QuestionKinds.Count)]
    [TestCase("What is the number of chips on the board?", QuestionKinds.Count)]
    [TestCase("What colour is the push button?", QuestionKinds.Colour)]
    [TestCase("Is the push button red?", QuestionKinds.Colour)]
    [TestCase("What colour is the text on the chip?", QuestionKinds.Colour)]
    [TestCase("What number is written on the chip?", QuestionKinds.Text)]
    [TestCase("What does the label say?", QuestionKinds.Text)]
    [TestCase("Is there a large square chip in the centre?", QuestionKinds.Presence)]
    [TestCase("Can you see a USB connector?", QuestionKinds.Presence)]
    [TestCase("Is there a red LED?", QuestionKinds.Presence)]
    [TestCase("Where is the USB connector?", QuestionKinds.Position)]
    [TestCase("Is the chip on the left side of the board?", QuestionKinds.Position)]
    [TestCase("What is this device used for?", QuestionKinds.Other)]
    public void Classify_FollowsTheDocumentedKeywordRules(string question, string kind) =>
        Assert.That(QuestionKinds.Classify(question), Is.EqualTo(kind));

    [Test]
    public void EveryQuestionKindButOtherHasAnEdit() =>
        Assert.That(AnswerEdits.Kinds, Is.EquivalentTo(QuestionKinds.All.Where(k => k != QuestionKinds.Other)));

    [Test]
    public void Colour_RecolouringChangesTheColourName()
    {
        var edit = Edit("What colour is the red part?");
        Assert.That(edit.Perturbation.Kind, Is.EqualTo("recolour"));
        Assert.That(RedPixels(edit.Image), Is.Empty, "no red left");
        Assert.That(edit.Perturbation.Why, Does.StartWith("colour question: \"red part\" turns from red to "));
    }

    [Test]
    public void Presence_RemovesThePartWithThePatchFill()
    {
        var edit = Edit("Is there a red part on the board?");
        Assert.That(edit.Perturbation.Kind, Is.EqualTo("remove"));
        Assert.That(edit.Perturbation.Operation, Does.Contain("fill=exemplar"));
        Assert.That(RedPixels(edit.Image), Is.Empty, "the part is gone");
        Assert.That(edit.Perturbation.Why, Does.Contain("no longer there"));
    }

    [TestCase(1UL)]
    [TestCase(2UL)]
    [TestCase(3UL)]
    [TestCase(4UL)]
    public void Count_RemovesOrDuplicatesSoTheCountChangesByOne(ulong seed)
    {
        var edit = Edit("How many red parts are there?", seed: seed);
        int red = RedPixels(edit.Image).Count, before = RedPixels(Board()).Count;
        Assert.That(edit.Perturbation.Kind, Is.AnyOf("remove", "duplicate"));
        Assert.That(red, edit.Perturbation.Kind == "remove" ? Is.Zero : Is.EqualTo(2 * before));
        Assert.That(edit.Perturbation.Why, Does.Contain(edit.Perturbation.Kind == "remove" ? "drops" : "rises"));
    }

    [TestCase("Is the red part on the left?", true)]
    [TestCase("Is the red part at the top of the board?", false)]
    public void Position_MovesThePartToTheOtherHalf(string question, bool horizontal)
    {
        var edit = Edit(question);
        var red = RedPixels(edit.Image);
        Assert.That(edit.Perturbation.Kind, Is.EqualTo("move"));
        Assert.That(red.Count, Is.EqualTo(24 * 24), "moved whole");
        double centre = horizontal ? red.Average(p => p.X) : red.Average(p => p.Y);
        Assert.That(centre, Is.GreaterThan((horizontal ? 96 : 64) / 2.0), "was in the first half, now in the second");
        Assert.That(edit.Perturbation.Why,
            Does.Contain(horizontal ? "from the left to the right" : "from the top to the bottom"));
    }

    [Test]
    public void Text_DrawsDifferentTextThanTheAnswerReads()
    {
        var edit = Edit("What number is written on the part?");
        var (old, text) = AnswerEdits.NewText("It reads 42.", HashRng.Derive(0, 0));
        Assert.That((old, text.Length), Is.EqualTo(("42", 2)));
        Assert.That(text[0] != '4' && text[1] != '2', text);
        Assert.That(edit.Perturbation.Kind, Is.EqualTo("glyph"));
        Assert.That(edit.Perturbation.Why, Does.Contain("instead of \"42\""));
        Assert.That(RedPixels(edit.Image).Count, Is.LessThan(24 * 24 / 10), "old content erased");
    }

    [Test]
    public void Other_QuestionsHaveNoEditAndSayWhy()
    {
        var e = Assert.Throws<RowException>(() => Edit("What is this device used for?"));
        Assert.That(e!.Category, Is.EqualTo(RowException.NotEditable));
    }

    [Test]
    public void PickBox_PrefersTheBoxWhoseLabelTheQuestionNames()
    {
        RowBox[] boxes = [new(0, new(0, 0, 4, 4), "blue push button"), new(1, new(8, 8, 4, 4), "USB connector")];
        Assert.That(AnswerEdits.PickBox(boxes, "Where is the USB connector?", 1).Index, Is.EqualTo(1));
        Assert.That(AnswerEdits.PickBox(boxes, "Is the button pressed?", 9).Index, Is.EqualTo(0));
    }

    [Test]
    public void Move_WithoutRoomIsSkippedWithAReason()
    {
        var wide = new RowBox(0, new PixelRect(10, 10, 70, 20), null);
        var e = Assert.Throws<RowException>(() => MmprEdit.Make(Board(), [wide], "Where is it?", "left", 1));
        Assert.That((e!.Category, e.Message), Is.EqualTo((RowException.NoRoom,
            "box 0 [10,10,80,30] is too wide to move to the other half of the image")));
    }
}
