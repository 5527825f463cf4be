using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Synthetic;

/// <summary>
/// Semantic edits of a synthetic scene, each recorded exactly and paired with a question whose answer it flips:
/// recolour (colour/count questions), remove and duplicate (counts), swap (left-of), glyph (the number).
/// </summary>
public static class SceneEditor
{
    /// <summary>The edit kinds, in the order <see cref="Edit(Scene, ulong)"/> rotates through them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["recolour", "remove", "duplicate", "swap", "glyph"];

    /// <summary>
    /// One edit chosen by <paramref name="seed"/>: kinds (all of <see cref="Kinds"/>, or <paramref name="kinds"/>) are
    /// tried starting at seed mod their count until one applies to the scene and changes the answer of some question.
    /// Null when none of the allowed kinds applies.
    /// </summary>
    public static SceneEdit? TryEdit(Scene scene, ulong seed, IReadOnlyList<string>? kinds = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        kinds ??= Kinds;
        for (int k = 0; k < kinds.Count; k++)
        {
            if (TryEdit(scene, kinds[(int)((seed + (ulong)k) % (ulong)kinds.Count)], seed) is SceneEdit edit)
            {
                return edit;
            }
        }

        return null;
    }

    /// <summary>
    /// One edit chosen by <paramref name="seed"/> among all <see cref="Kinds"/>; throws when none applies.
    /// </summary>
    public static SceneEdit Edit(Scene scene, ulong seed) =>
        TryEdit(scene, seed) ?? throw new InvalidOperationException($"no semantic edit applies to scene {scene.Seed}");

    /// <summary>
    /// The edit of <paramref name="kind"/>, or null when it cannot apply (e.g. swap with one object).
    /// </summary>
    public static SceneEdit? TryEdit(Scene scene, string kind, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var rng = new SceneRandom(HashRng.Derive(seed, 0xED17));
        var objs = scene.Objects;
        var s = scene.Shape;
        (IPerturbation Op, string What, List<SceneObject> Objects, TextPatch? Text)? plan = kind switch
        {
            "recolour" => Recolour(objs, scene.Text, rng),
            "remove" => Remove(objs, scene.Text, rng),
            "duplicate" => Duplicate(s, objs, scene.Text, rng),
            "swap" => Swap(s, objs, scene.Text, rng),
            "glyph" => Glyph(s, objs, scene.Text, rng),
            _ => throw new ArgumentException($"unknown edit kind '{kind}'; valid: {string.Join(", ", Kinds)}"),
        };
        if (plan is not { } p)
        {
            return null;
        }

        string[] prefer = kind switch
        {
            "recolour" => ["colour", "count"],
            "swap" => ["position"],
            "glyph" => ["text"],
            _ => ["count"],
        };
        var flipped = SceneQuestions.Specs(objs, scene.Text)
            .Select(q => (q, before: q.Answer(objs, scene.Text), after: q.Answer(p.Objects, p.Text)))
            .Where(t => t.before is not null && t.after is not null && t.before != t.after)
            .OrderBy(t => Array.IndexOf(prefer, t.q.Kind) is int i && i >= 0 ? i : prefer.Length)
            .FirstOrDefault();
        if (flipped.q is null)
        {
            return null;
        }

        var planes = (float[])scene.Planes.Clone();
        Perturbation.Apply(p.Op, planes, s, seed);
        var perturbed = new Scene(scene.Seed, s, planes, p.Objects, p.Text);
        return new SceneEdit(kind, p.What, p.Op, scene, perturbed, flipped.q.Text, flipped.before!, flipped.after!);
    }

    private static (IPerturbation, string, List<SceneObject>, TextPatch?)? Recolour(IReadOnlyList<SceneObject> objs,
        TextPatch? text, SceneRandom rng)
    {
        if (objs.Count == 0)
        {
            return null;
        }

        var o = objs[rng.Next(0, objs.Count)];
        var choices = NamedColour.Palette
            .Where(c => c != o.Colour && !objs.Any(x => x.Shape == o.Shape && x.Colour == c)).ToList();
        if (choices.Count == 0)
        {
            return null;
        }

        var to = rng.Pick(choices);
        var edited = objs.Select(x => x.Id == o.Id ? x with { Colour = to } : x).ToList();
        return (RecolourOp.ToColour(o.Mask, to.ToRgb()),
            $"object {o.Id} ({SceneObject.ShapeName(o.Shape)}) recoloured {o.Colour.Name}→{to.Name}", edited, text);
    }

    private static (IPerturbation, string, List<SceneObject>, TextPatch?)? Remove(IReadOnlyList<SceneObject> objs,
        TextPatch? text, SceneRandom rng)
    {
        if (objs.Count < 2)
        {
            return null;
        }

        var o = objs[rng.Next(0, objs.Count)];
        return (new RemoveOp(o.Mask), $"object {o.Id} ({o.Describe()}) removed",
            objs.Where(x => x.Id != o.Id).ToList(), text);
    }

    private static (IPerturbation, string, List<SceneObject>, TextPatch?)? Duplicate(ImageShape s,
        IReadOnlyList<SceneObject> objs, TextPatch? text, SceneRandom rng)
    {
        if (objs.Count == 0)
        {
            return null;
        }

        var o = objs[rng.Next(0, objs.Count)];
        var occupied = objs.Select(x => ((float)x.CentreX, (float)x.CentreY, (float)x.Radius)).ToList();
        if (text is not null)
        {
            var b = text.Mask.Bounds;
            float half = MathF.Sqrt(b.Width * b.Width + b.Height * b.Height) / 2;
            occupied.Add((b.X + b.Width / 2f, b.Y + b.Height / 2f, half));
        }

        for (int attempt = 0; attempt < 200; attempt++)
        {
            int cx = rng.Next(o.Radius + 4, s.Width - o.Radius - 4);
            int cy = rng.Next(o.Radius + 4, s.Height - o.Radius - 4);
            if (!SceneGenerator.IsFree(occupied, cx, cy, o.Radius))
            {
                continue;
            }

            int dx = cx - o.CentreX, dy = cy - o.CentreY;
            var copy = o with
            {
                Id = objs.Max(x => x.Id) + 1,
                CentreX = cx,
                CentreY = cy,
                Mask = Shift(o.Mask, dx, dy),
            };
            return (TransplantOp.Duplicate(o.Mask, dx, dy),
                $"object {o.Id} ({o.Describe()}) duplicated as object {copy.Id} at ({cx},{cy})", [.. objs, copy], text);
        }

        return null;
    }

    private static (IPerturbation, string, List<SceneObject>, TextPatch?)? Swap(ImageShape s,
        IReadOnlyList<SceneObject> objs, TextPatch? text, SceneRandom rng)
    {
        var pairs = new List<(SceneObject A, SceneObject B)>();
        for (int i = 0; i < objs.Count; i++)
        {
            for (int j = i + 1; j < objs.Count; j++)
            {
                if (Math.Abs(objs[i].CentreX - objs[j].CentreX) >= 24 && Math.Abs(objs[i].Radius - objs[j].Radius) <= 8)
                {
                    pairs.Add((objs[i], objs[j]));
                }
            }
        }

        if (pairs.Count == 0)
        {
            return null;
        }

        var (a, b) = rng.Pick(pairs);
        // SwapOp pastes each object centred on the other's bounding box.
        var (ab, bb) = (a.Bounds, b.Bounds);
        int adx = bb.X + (bb.Width - ab.Width) / 2 - ab.X, ady = bb.Y + (bb.Height - ab.Height) / 2 - ab.Y;
        int bdx = ab.X + (ab.Width - bb.Width) / 2 - bb.X, bdy = ab.Y + (ab.Height - bb.Height) / 2 - bb.Y;
        var edited = objs.Select(x => x.Id == a.Id ? Moved(a, adx, ady) : x.Id == b.Id ? Moved(b, bdx, bdy) : x)
            .ToList();
        return (new SwapOp(a.Mask, b.Mask), $"objects {a.Id} ({a.Describe()}) and {b.Id} ({b.Describe()}) swapped",
            edited, text);
    }

    private static (IPerturbation, string, List<SceneObject>, TextPatch?)? Glyph(ImageShape s,
        IReadOnlyList<SceneObject> objs, TextPatch? text, SceneRandom rng)
    {
        if (text is null)
        {
            return null;
        }

        string next;
        do
        {
            next = text.Text.Length == 1 ? rng.Next(0, 10).ToString() : rng.Next(10, 100).ToString();
        }
        while (next == text.Text);

        var patch = text with
        {
            Text = next,
            Mask = new RegionMask(s.Width, s.Height, SceneRenderer.TextMask(s, next, text.X, text.Y, text.Scale)),
        };
        return (new GlyphOp(next, text.X, text.Y, text.Scale, new Rgb(0.08f, 0.08f, 0.1f), text.Mask),
            $"text \"{text.Text}\" changed to \"{next}\"", objs.ToList(), patch);
    }

    private static SceneObject Moved(SceneObject o, int dx, int dy) =>
        o with { CentreX = o.CentreX + dx, CentreY = o.CentreY + dy, Mask = Shift(o.Mask, dx, dy) };

    /// <summary>The mask moved by (dx, dy); pixels pushed off the image are dropped.</summary>
    internal static RegionMask Shift(RegionMask m, int dx, int dy)
    {
        var src = m.Coverage;
        var dst = new byte[src.Length];
        for (int y = 0; y < m.Height; y++)
        {
            int ty = y + dy;
            if ((uint)ty >= (uint)m.Height)
            {
                continue;
            }

            for (int x = 0; x < m.Width; x++)
            {
                int tx = x + dx;
                if ((uint)tx < (uint)m.Width)
                {
                    dst[ty * m.Width + tx] = src[y * m.Width + x];
                }
            }
        }

        return new RegionMask(m.Width, m.Height, dst);
    }
}
