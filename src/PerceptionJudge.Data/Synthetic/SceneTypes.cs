using PerceptionJudge.Data.Images;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Synthetic;

/// <summary>The drawable shapes.</summary>
public enum ShapeKind
{
    /// <summary>A disk.</summary>
    Circle,

    /// <summary>An axis-aligned square.</summary>
    Square,

    /// <summary>An upward equilateral triangle.</summary>
    Triangle,

    /// <summary>A five-pointed star.</summary>
    Star,
}

/// <summary>A palette colour with its answer name.</summary>
public sealed record NamedColour(string Name, byte R, byte G, byte B)
{
    /// <summary>The colours objects are drawn in: saturated and far apart, so a name is never ambiguous.</summary>
    public static IReadOnlyList<NamedColour> Palette { get; } =
    [
        new("red", 220, 40, 40), new("green", 40, 170, 60), new("blue", 40, 80, 220),
        new("yellow", 235, 200, 40), new("purple", 140, 60, 190), new("orange", 240, 130, 30),
    ];

    /// <summary>Position of <paramref name="colour"/> in <see cref="Palette"/> (−1 if it is not a palette colour).</summary>
    public static int IndexOf(NamedColour colour)
    {
        for (int i = 0; i < Palette.Count; i++)
        {
            if (Palette[i] == colour)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>As a kernel colour in [0, 1].</summary>
    public Rgb ToRgb() => Rgb.FromBytes(R, G, B);

    /// <summary>The palette entry nearest to (r, g, b) in squared RGB distance.</summary>
    public static NamedColour Nearest(byte r, byte g, byte b) =>
        Palette.MinBy(c => (c.R - r) * (c.R - r) + (c.G - g) * (c.G - g) + (c.B - b) * (c.B - b))!;
}

/// <summary>One object of a scene: the ground truth for questions and edits.</summary>
/// <param name="Id">1-based id, stable across edits (a duplicate gets a new id).</param>
/// <param name="Shape">The shape.</param>
/// <param name="Colour">The palette colour.</param>
/// <param name="CentreX">Centre column in pixels.</param>
/// <param name="CentreY">Centre row in pixels.</param>
/// <param name="Radius">Circumradius in pixels.</param>
/// <param name="Mask">Anti-aliased coverage mask; Bounds is its bounding box.</param>
public sealed record SceneObject(int Id, ShapeKind Shape, NamedColour Colour, int CentreX, int CentreY, int Radius,
    RegionMask Mask)
{
    /// <summary>Bounding box of the covered pixels.</summary>
    public PixelRect Bounds => Mask.Bounds;

    /// <summary>"red circle".</summary>
    public string Describe() => $"{Colour.Name} {ShapeName(Shape)}";

    /// <summary>Lower-case singular name of a shape.</summary>
    public static string ShapeName(ShapeKind s) => s.ToString().ToLowerInvariant();
}

/// <summary>A number written on the scene in the 5×7 font.</summary>
public sealed record TextPatch(string Text, int X, int Y, int Scale, RegionMask Mask);

/// <summary>A question about a scene and its ground-truth answer.</summary>
/// <param name="Kind">count, colour, position or text.</param>
/// <param name="Question">The question as asked.</param>
/// <param name="Answer">The short answer (a number, a colour name, yes/no, the text).</param>
public sealed record QuestionAnswer(string Kind, string Question, string Answer);

/// <summary>A rendered scene: planar float RGB [3][H][W] plus its object list, text and questions.</summary>
public sealed class Scene
{
    internal Scene(ulong seed, ImageShape shape, float[] planes, IReadOnlyList<SceneObject> objects, TextPatch? text)
    {
        Seed = seed;
        Shape = shape;
        Planes = planes;
        Objects = objects;
        Text = text;
    }

    /// <summary>The seed that generated the scene.</summary>
    public ulong Seed { get; }

    /// <summary>[3][H][W].</summary>
    public ImageShape Shape { get; }

    /// <summary>The pixels, planar RGB in [0, 1].</summary>
    public float[] Planes { get; }

    /// <summary>Ground truth, in drawing order.</summary>
    public IReadOnlyList<SceneObject> Objects { get; }

    /// <summary>The written number, if any.</summary>
    public TextPatch? Text { get; }

    /// <summary>The questions and answers for this scene.</summary>
    public IReadOnlyList<QuestionAnswer> Questions => SceneQuestions.Ask(this);

    /// <summary>
    /// What the image shows, in a fixed order (palette colour, then shape) so it is a function of the content and not
    /// of positions: "a red star, 2 blue circles, the number 42." The judge's key visual facts.
    /// </summary>
    public string Describe()
    {
        var parts = Objects
            .GroupBy(o => (Colour: NamedColour.IndexOf(o.Colour), o.Shape))
            .OrderBy(g => g.Key.Colour).ThenBy(g => g.Key.Shape)
            .Select(g => g.Count() == 1 ? $"{Article(g.First().Describe())} {g.First().Describe()}"
                : $"{g.Count()} {g.First().Describe()}s")
            .ToList();
        if (Text is not null)
        {
            parts.Add($"the number {Text.Text}");
        }

        return string.Join(", ", parts) + ".";
    }

    private static string Article(string noun) => "aeiou".Contains(noun[0]) ? "an" : "a";

    /// <summary>As an 8-bit RGBA image.</summary>
    public Rgba8Image ToImage() => PlanarBatch.FromPlanar(Planes, 0, 3, Shape.Height, Shape.Width);
}

/// <summary>
/// A semantic edit of a scene and its consequence: the perturbed image, the edited ground truth, and one question
/// whose answer differs (right for the original, wrong for the variant).
/// </summary>
/// <param name="Kind">recolour, remove, duplicate, swap or glyph.</param>
/// <param name="Description">The exact edit, e.g. "object 3 recoloured red→blue".</param>
/// <param name="Operation">The kernel perturbation applied (its Describe() gives the parameters).</param>
/// <param name="Original">The scene before the edit.</param>
/// <param name="Perturbed">The scene after it: pixels and ground truth.</param>
/// <param name="Question">The question asked of both images.</param>
/// <param name="OriginalAnswer">Its answer on the original.</param>
/// <param name="PerturbedAnswer">Its answer on the variant (differs from <paramref name="OriginalAnswer"/>).</param>
public sealed record SceneEdit(string Kind, string Description, IPerturbation Operation, Scene Original,
    Scene Perturbed, string Question, string OriginalAnswer, string PerturbedAnswer);
