using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Training.Pretraining;

/// <summary>
/// The ground truth a perception probe learns for one image (<see cref="ScenePool"/>): for each cell of the g×g patch
/// grid, the colour and shape of the object whose centre lies in it (0 = none, else 1 + palette / shape index; the
/// larger object when two share a cell), and per palette colour and per shape the number of objects, capped at
/// <see cref="ScenePool.MaxCount"/>.
/// </summary>
public sealed record SceneLabels(long[] CellColour, long[] CellShape, long[] ColourCount, long[] ShapeCount);

/// <summary>
/// Fresh synthetic scenes held in memory at the model's input size: scene i is drawn from Derive(seed, i) with the
/// given options, and each contributes its original image and, when an edit applies, the edited one (the PPJD's
/// variants), both with their ground truth. Pixels go through the PPJD path (8-bit image, area-average resize,
/// planar floats in [0, 1]), so the probe sees what the judge sees.
/// </summary>
public sealed class ScenePool
{
    /// <summary>Counts at or above this are one class ("this many or more").</summary>
    public const int MaxCount = 3;

    private ScenePool(int size, int grid, List<float[]> pixels, List<SceneLabels> labels)
    {
        ImageSize = size;
        Grid = grid;
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>Side of each image.</summary>
    public int ImageSize { get; }

    /// <summary>Cells per side of the label grid (the tower's patch grid).</summary>
    public int Grid { get; }

    /// <summary>Planar RGB [3, S, S] per image.</summary>
    public IReadOnlyList<float[]> Pixels { get; }

    /// <summary>Ground truth per image.</summary>
    public IReadOnlyList<SceneLabels> Labels { get; }

    /// <summary>Draws <paramref name="scenes"/> scenes (in parallel; the result does not depend on the core count).
    /// </summary>
    public static ScenePool Create(int scenes, ulong seed, SceneOptions options, IReadOnlyList<string> editKinds,
        int imageSize, int grid)
    {
        var generator = new SceneGenerator(options);
        var drawn = new (float[] Pixels, SceneLabels Labels)[scenes][];
        Parallel.For(0, scenes, i =>
        {
            ulong s = HashRng.Derive(seed, (ulong)i);
            var scene = generator.Generate(s);
            var edit = SceneEditor.TryEdit(scene, s, editKinds);
            drawn[i] = edit is null
                ? [Render(scene, imageSize, grid)]
                : [Render(scene, imageSize, grid), Render(edit.Perturbed, imageSize, grid)];
        });
        var all = drawn.SelectMany(d => d).ToList();
        return new ScenePool(imageSize, grid, all.Select(d => d.Pixels).ToList(), all.Select(d => d.Labels).ToList());
    }

    private static (float[] Pixels, SceneLabels Labels) Render(Scene scene, int size, int grid)
    {
        var resized = ImageResize.AreaAverage(scene.ToImage(), size, size);
        var planes = new float[3 * size * size];
        PlanarBatch.ToPlanar(resized, planes);
        return (planes, Label(scene, grid));
    }

    /// <summary>The probe's targets for <paramref name="scene"/> on a <paramref name="grid"/>² cell grid.</summary>
    public static SceneLabels Label(Scene scene, int grid)
    {
        var cellColour = new long[grid * grid];
        var cellShape = new long[grid * grid];
        var cellRadius = new int[grid * grid];
        var colourCount = new long[NamedColour.Palette.Count];
        var shapeCount = new long[Enum.GetValues<ShapeKind>().Length];
        foreach (var o in scene.Objects)
        {
            int colour = NamedColour.IndexOf(o.Colour);
            int cx = Math.Clamp(o.CentreX * grid / scene.Shape.Width, 0, grid - 1);
            int cy = Math.Clamp(o.CentreY * grid / scene.Shape.Height, 0, grid - 1);
            int cell = cy * grid + cx;
            if (o.Radius > cellRadius[cell])
            {
                (cellRadius[cell], cellColour[cell], cellShape[cell]) = (o.Radius, 1 + colour, 1 + (int)o.Shape);
            }

            colourCount[colour] = Math.Min(MaxCount, colourCount[colour] + 1);
            shapeCount[(int)o.Shape] = Math.Min(MaxCount, shapeCount[(int)o.Shape] + 1);
        }

        return new SceneLabels(cellColour, cellShape, colourCount, shapeCount);
    }
}
