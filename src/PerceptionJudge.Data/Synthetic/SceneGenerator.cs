using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Synthetic;

/// <summary>Scene size and content ranges.</summary>
/// <param name="Width">Image width (≥ 64).</param>
/// <param name="Height">Image height (≥ 64).</param>
/// <param name="MinObjects">Fewest shapes (≥ 2).</param>
/// <param name="MaxObjects">Most shapes.</param>
/// <param name="WithText">Whether to write a 1–2 digit number.</param>
/// <param name="MinRadius">Smallest shape radius as a fraction of the shorter side.</param>
/// <param name="MaxRadius">Largest shape radius as a fraction of the shorter side (≤ 0.2).</param>
public sealed record SceneOptions(int Width = 448, int Height = 448, int MinObjects = 3, int MaxObjects = 7,
    bool WithText = true, double MinRadius = 0.045, double MaxRadius = 0.09)
{
    internal void Validate()
    {
        if (Width < 64 || Height < 64 || MinObjects < 2 || MaxObjects < MinObjects || MaxObjects > 12
            || !(MinRadius >= 0.02) || !(MaxRadius >= MinRadius) || !(MaxRadius <= 0.2))
        {
            throw new ArgumentException($"invalid scene options {this}");
        }
    }
}

/// <summary>
/// The seeded procedural scene generator: shapes of palette colours with unique (shape, colour) descriptions on a
/// textured background, an optional number, and semantic edits (<see cref="SceneEditor"/>). A scene is a pure
/// function of (options, seed).
/// </summary>
public sealed class SceneGenerator
{
    private const int Gap = 10;
    private readonly SceneOptions _options;

    /// <summary>Checks the options.</summary>
    public SceneGenerator(SceneOptions? options = null)
    {
        _options = options ?? new SceneOptions();
        _options.Validate();
    }

    /// <summary>The options in use.</summary>
    public SceneOptions Options => _options;

    /// <summary>Draws the scene for <paramref name="seed"/>.</summary>
    public Scene Generate(ulong seed)
    {
        var rng = new SceneRandom(seed);
        var s = new ImageShape(3, _options.Height, _options.Width);
        var img = SceneRenderer.Background(s, rng);
        int minDim = Math.Min(s.Width, s.Height);
        var occupied = new List<(float X, float Y, float R)>();

        TextPatch? text = null;
        if (_options.WithText)
        {
            int scale = Math.Max(2, minDim / 112);
            string digits = rng.Next(0, 2) == 0 ? rng.Next(0, 10).ToString() : rng.Next(10, 100).ToString();
            var (tw, th) = GlyphFont.Measure(digits, scale);
            int x = rng.Next(4, s.Width - tw - 4), y = rng.Next(4, s.Height - th - 4);
            text = new TextPatch(digits, x, y, scale, new RegionMask(s.Width, s.Height,
                SceneRenderer.TextMask(s, digits, x, y, scale)));
            occupied.Add((x + tw / 2f, y + th / 2f, MathF.Sqrt(tw * tw + th * th) / 2));
        }

        int count = rng.Next(_options.MinObjects, _options.MaxObjects + 1);
        var objects = new List<SceneObject>();
        var used = new HashSet<(ShapeKind, string)>();
        var shapes = Enum.GetValues<ShapeKind>();
        for (int attempt = 0; attempt < 400 && objects.Count < count; attempt++)
        {
            var shape = shapes[rng.Next(0, shapes.Length)];
            var colour = rng.Pick(NamedColour.Palette);
            int r = rng.Next(Pixels(minDim, _options.MinRadius), Pixels(minDim, _options.MaxRadius) + 1);
            int cx = rng.Next(r + 4, s.Width - r - 4), cy = rng.Next(r + 4, s.Height - r - 4);
            if (used.Contains((shape, colour.Name)) || !IsFree(occupied, cx, cy, r))
            {
                continue;
            }

            var mask = SceneRenderer.Coverage(s, shape, cx, cy, r);
            SceneRenderer.Fill(img, s, mask, colour.ToRgb(), cy, r);
            objects.Add(new SceneObject(objects.Count + 1, shape, colour, cx, cy, r,
                new RegionMask(s.Width, s.Height, mask)));
            used.Add((shape, colour.Name));
            occupied.Add((cx, cy, r));
        }

        if (text is not null)
        {
            PerturbKernels.For(Kernels.Runtime.Backend.Cpu)
                .DrawText(img, s, text.Text, text.X, text.Y, text.Scale, new Rgb(0.08f, 0.08f, 0.1f));
        }

        return new Scene(seed, s, img, objects, text);
    }

    // ⌊side · fraction⌋, with a nudge so 0.045 · 200 is 9, not 8 (0.045 is not exact in binary).
    private static int Pixels(int side, double fraction) => (int)Math.Floor(side * fraction + 1e-9);

    internal static bool IsFree(IEnumerable<(float X, float Y, float R)> occupied, float x, float y, float r) =>
        occupied.All(o => (o.X - x) * (o.X - x) + (o.Y - y) * (o.Y - y) >= (o.R + r + Gap) * (o.R + r + Gap));
}
