using System.Globalization;
using System.Text.RegularExpressions;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>What a question-aware edit works on: the photo, its boxes, the box the question is about.</summary>
internal sealed record EditContext(float[] Planes, ImageShape Shape, IReadOnlyList<RowBox> Boxes, RowBox Box,
    string Question, string Chosen, ulong Seed)
{
    /// <summary>The object as the manifest names it: the box label in quotes, or "the object in box k".</summary>
    public string What => Box.Label is { } l ? $"\"{l}\"" : $"the object in box {Box.Index}";

    /// <summary>"box k [x0,y0,x1,y1]" with the label, for descriptions.</summary>
    public string BoxText => $"box {Box.Index} [{Box.Rect.X},{Box.Rect.Y},{Box.Rect.Right},{Box.Rect.Bottom}]"
        + (Box.Label is { } l ? $" (\"{l}\")" : "");
}

/// <summary>An edit that changes the answer to the question, with the reason it does.</summary>
internal sealed record EditPlan(IPerturbation Op, string Kind, string Description, string Why);

/// <summary>
/// The edit for each question kind (<see cref="QuestionKinds"/>), looked up by name (DESIGN.md, style 1), each
/// choosing an edit that changes the answer and saying why: colour → recolour the object to a distant hue;
/// presence → remove it; count → remove it or paste a copy beside it (seeded; whichever fits); position → move it
/// to the other half of the image; text → erase the old glyphs and draw different text. Removals fill the hole with
/// exemplar patches. Where the photo leaves no room for the edit, a <see cref="RowException"/>
/// (<see cref="RowException.NoRoom"/>) says why; an <c>other</c> question has no edit
/// (<see cref="RowException.NotEditable"/>).
/// </summary>
internal static class AnswerEdits
{
    /// <summary>Grown around a moved or copied object's own pixels, so anti-aliased edges go with it.</summary>
    private const int ObjectRim = 2;

    private static readonly HoleFill s_fill = HoleFill.Patches();

    private static readonly Dictionary<string, Func<EditContext, EditPlan>> s_edits = new()
    {
        [QuestionKinds.Colour] = Recolour,
        [QuestionKinds.Presence] = c => Remove(c, "presence", "so it is no longer there"),
        [QuestionKinds.Count] = Count,
        [QuestionKinds.Position] = Move,
        [QuestionKinds.Text] = Text,
    };

    /// <summary>The question kinds that have an edit.</summary>
    public static IReadOnlyCollection<string> Kinds => s_edits.Keys;

    /// <summary>The answer-changing edit for a question of <paramref name="kind"/>.</summary>
    public static EditPlan For(string kind, EditContext context) =>
        s_edits.TryGetValue(kind, out var edit) ? edit(context)
            : throw new RowException(RowException.NotEditable,
                "the question asks about none of colour, count, presence, position or text, so no edit is known "
                + "to change its answer");

    /// <summary>
    /// The box the question is about: the one whose label shares the most words (3+ letters) with the question,
    /// or, when no label matches, one chosen by the seed.
    /// </summary>
    public static RowBox PickBox(IReadOnlyList<RowBox> boxes, string question, ulong seed)
    {
        var words = Regex.Matches(question.ToLowerInvariant(), "[a-z0-9]{3,}").Select(m => m.Value).ToHashSet();
        int Score(RowBox b) => b.Label is null ? 0
            : Regex.Matches(b.Label.ToLowerInvariant(), "[a-z0-9]{3,}").Count(m => words.Contains(m.Value));
        var best = boxes.MaxBy(Score)!;
        return Score(best) > 0 ? best : boxes[(int)(HashRng.Mix(seed, 1) % (ulong)boxes.Count)];
    }

    private static EditPlan Recolour(EditContext c)
    {
        var rect = c.Box.Rect;
        var from = PhotoRegions.BoxMean(c.Planes, c.Shape, rect);
        var target = PhotoRegions.DistantColour(from, HashRng.Uniform(c.Seed, 3));
        var op = RecolourOp.ToColour(PhotoRegions.Foreground(c.Planes, c.Shape, rect)
            ?? PhotoRegions.Box(c.Shape, rect), target);
        return new EditPlan(op, "recolour", $"{c.BoxText} recoloured to {PhotoRegions.Name(target)}",
            $"colour question: {c.What} turns from {PhotoRegions.Name(from)} to {PhotoRegions.Name(target)}, "
            + "so its colour changes");
    }

    private static EditPlan Remove(EditContext c, string kind, string effect)
    {
        var rect = c.Box.Rect;
        if ((long)rect.Width * rect.Height * 4 > c.Shape.Plane)
        {
            throw new RowException(RowException.NoRoom,
                $"{c.BoxText} covers over a quarter of the image: too large to remove convincingly");
        }

        return new EditPlan(new RemoveOp(PhotoRegions.Box(c.Shape, rect, grow: 1), s_fill), "remove",
            $"{c.BoxText} removed (patch fill)", $"{kind} question: {c.What} is removed, {effect}");
    }

    private static EditPlan Count(EditContext c)
    {
        bool removeFirst = (HashRng.Mix(c.Seed, 2) & 1) == 0;
        var spot = FreeSpot(c);
        if (spot is { } to && !(removeFirst && Removable(c)))
        {
            var mask = PhotoRegions.Foreground(c.Planes, c.Shape, c.Box.Rect, ObjectRim)
                ?? PhotoRegions.Box(c.Shape, c.Box.Rect);
            int dx = to.X - c.Box.Rect.X, dy = to.Y - c.Box.Rect.Y;
            return new EditPlan(TransplantOp.Duplicate(mask, dx, dy), "duplicate",
                $"{c.BoxText} duplicated at [{to.X},{to.Y},{to.Right},{to.Bottom}]",
                $"count question: a copy of {c.What} is pasted beside it, so the count rises by one");
        }

        return Removable(c) ? Remove(c, "count", "so the count drops by one")
            : throw new RowException(RowException.NoRoom,
                $"{c.BoxText} is too large to remove and has no free place beside it for a copy");
    }

    private static bool Removable(EditContext c) => (long)c.Box.Rect.Width * c.Box.Rect.Height * 4 <= c.Shape.Plane;

    /// <summary>A place for a copy of the box: right of, left of, below or above it (seeded order), a few pixels
    /// away, inside the image and clear of every box of the row.</summary>
    private static PixelRect? FreeSpot(EditContext c)
    {
        var r = c.Box.Rect;
        int gap = Math.Max(4, Math.Min(r.Width, r.Height) / 4);
        PixelRect[] spots =
        [
            r.Offset(r.Width + gap, 0), r.Offset(-r.Width - gap, 0), r.Offset(0, r.Height + gap),
            r.Offset(0, -r.Height - gap),
        ];
        int start = (int)(HashRng.Mix(c.Seed, 4) % 4);
        for (int k = 0; k < spots.Length; k++)
        {
            var s = spots[(start + k) % spots.Length];
            bool inside = s.X >= 0 && s.Y >= 0 && s.Right <= c.Shape.Width && s.Bottom <= c.Shape.Height;
            if (inside && c.Boxes.All(b => !Overlap(b.Rect, s, gap / 2)))
            {
                return s;
            }
        }

        return null;
    }

    private static bool Overlap(PixelRect a, PixelRect b, int gap) =>
        a.X < b.Right + gap && b.X < a.Right + gap && a.Y < b.Bottom + gap && b.Y < a.Bottom + gap;

    private static EditPlan Move(EditContext c)
    {
        var r = c.Box.Rect;
        bool vertical = QuestionKinds.IsVertical(c.Question);
        int size = vertical ? r.Height : r.Width, extent = vertical ? c.Shape.Height : c.Shape.Width;
        int at = vertical ? r.Y : r.X;
        // Mirror the box across the image's centre line; if that does not clear its old place, go to the far edge.
        int to = extent - at - size;
        if (Math.Abs(to - at) < size)
        {
            to = 2 * at + size < extent ? extent - size - 2 : 2;
        }

        if (Math.Abs(to - at) < size || to < 0)
        {
            throw new RowException(RowException.NoRoom,
                $"{c.BoxText} is too {(vertical ? "tall" : "wide")} to move to the other half of the image");
        }

        var mask = PhotoRegions.Foreground(c.Planes, c.Shape, r, ObjectRim) ?? PhotoRegions.Box(c.Shape, r);
        var (dx, dy) = vertical ? (0, to - at) : (to - at, 0);
        var (from, into) = vertical ? Halves(to > at, "top", "bottom") : Halves(to > at, "left", "right");
        return new EditPlan(TransplantOp.Move(mask, dx, dy, s_fill), "move",
            $"{c.BoxText} moved by ({dx},{dy}) (patch fill behind it)",
            $"position question: {c.What} moves from the {from} to the {into} of the image, so where it is changes");
    }

    private static (string From, string Into) Halves(bool forward, string low, string high) =>
        forward ? (low, high) : (high, low);

    private static EditPlan Text(EditContext c)
    {
        var r = c.Box.Rect;
        var (old, text) = NewText(c.Chosen, c.Seed);
        int scale = Math.Min(r.Height / (GlyphFont.GlyphHeight + 2),
            r.Width / ((GlyphFont.GlyphWidth + 1) * text.Length));
        if (scale < 1)
        {
            throw new RowException(RowException.NoRoom, $"{c.BoxText} is too small to draw \"{text}\" in");
        }

        var (tw, th) = GlyphFont.Measure(text, scale);
        bool light = PhotoRegions.BorderMean(c.Planes, c.Shape, r).Luma > 0.5f;
        var ink = light ? new Rgb(0.05f, 0.05f, 0.05f) : new Rgb(0.95f, 0.95f, 0.95f);
        // Erase only the old glyphs (what differs from the box's border, e.g. ink on a label) so the surface
        // they are written on stays; the whole box when nothing stands out.
        var erase = PhotoRegions.Foreground(c.Planes, c.Shape, r, ObjectRim, minFraction: 0.01)
            ?? PhotoRegions.Box(c.Shape, r);
        var op = new GlyphOp(text, r.X + (r.Width - tw) / 2, r.Y + (r.Height - th) / 2, scale, ink, erase, s_fill);
        return new EditPlan(op, "glyph", $"{c.BoxText} text replaced by \"{text}\"",
            $"text question: the text in {c.What} now reads \"{text}\""
            + (old is null ? "" : $" instead of \"{old}\"") + ", so what it says changes");
    }

    /// <summary>
    /// Text that differs from what the chosen answer reads: its first run of digits (or quoted word) with every
    /// character moved by a seeded non-zero step (digits mod 10, letters mod 26), or a seeded 3-digit number when
    /// the answer quotes nothing.
    /// </summary>
    internal static (string? Old, string New) NewText(string chosen, ulong seed)
    {
        var m = Regex.Match(chosen, "[0-9]+|\"([A-Za-z0-9]+)\"");
        string? old = m.Success ? (m.Groups[1].Success ? m.Groups[1].Value : m.Value).ToUpperInvariant() : null;
        if (old is null || old.Length > 8)
        {
            return (null, (100 + HashRng.Mix(seed, 5) % 900).ToString(CultureInfo.InvariantCulture));
        }

        var chars = old.Select((ch, i) =>
        {
            int step = 1 + (int)(HashRng.Mix(seed, 6 + (ulong)i) % 8);
            return char.IsDigit(ch) ? (char)('0' + (ch - '0' + step) % 10) : (char)('A' + (ch - 'A' + step) % 26);
        });
        return (old, new string(chars.ToArray()));
    }
}
