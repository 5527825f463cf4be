using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// A perturbation definition (the public tier of DESIGN style 6): immutable, checks its arguments when built,
/// does no I/O, and applies itself through an <see cref="IPerturbKernels"/> (the internal row workers).
/// </summary>
public interface IPerturbation
{
    /// <summary>Registry-style name, snake_case, e.g. <c>gaussian_blur</c>, <c>recolour</c>.</summary>
    string Name { get; }

    /// <summary>
    /// The parameters as text for manifests and contact sheets, e.g. <c>gaussian_blur(sigma=1.5)</c>.
    /// </summary>
    string Describe();

    /// <summary>Applies the edit in place to one planar image; <paramref name="seed"/> drives any randomness.</summary>
    void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed);
}

/// <summary>
/// A region or object mask over an image: coverage bytes [H][W] (0 outside, 255 inside, anti-aliased in between)
/// and the tight bounding box of the non-zero pixels. Immutable: the bytes are copied in.
/// </summary>
public sealed class RegionMask
{
    private readonly byte[] _coverage;

    /// <summary>Copies <paramref name="coverage"/> (length width·height) and computes the bounds.</summary>
    public RegionMask(int width, int height, ReadOnlySpan<byte> coverage)
    {
        Guard.Positive(width, "width");
        Guard.Positive(height, "height");
        Guard.Length(coverage, width * height, "mask");
        Width = width;
        Height = height;
        _coverage = coverage.ToArray();
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (int i = 0; i < _coverage.Length; i++)
        {
            if (_coverage[i] != 0)
            {
                int x = i % width, y = i / width;
                x0 = Math.Min(x0, x);
                x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y);
                y1 = Math.Max(y1, y);
            }
        }

        if (x1 < 0)
        {
            throw new KernelInputException("mask", "is empty (no pixel has coverage)");
        }

        Bounds = new PixelRect(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Tight bounds of the covered pixels.</summary>
    public PixelRect Bounds { get; }

    /// <summary>The coverage bytes, row-major.</summary>
    public ReadOnlySpan<byte> Coverage => _coverage;

    /// <summary>Pixel-wise max of two masks of the same size.</summary>
    public RegionMask Union(RegionMask other)
    {
        if (other.Width != Width || other.Height != Height)
        {
            throw new KernelInputException("mask", $"sizes differ: {Width}x{Height} vs {other.Width}x{other.Height}");
        }

        var u = new byte[_coverage.Length];
        for (int i = 0; i < u.Length; i++)
        {
            u[i] = Math.Max(_coverage[i], other._coverage[i]);
        }

        return new RegionMask(Width, Height, u);
    }

    internal void Check(ImageShape shape)
    {
        if (shape.Width != Width || shape.Height != Height)
        {
            throw new KernelInputException("mask", $"is {Width}x{Height}, image is {shape.Width}x{shape.Height}");
        }
    }
}

/// <summary>
/// The perturbation façade: applies an <see cref="IPerturbation"/> or the fused pointwise chain on the backend
/// chosen at start-up (<see cref="KernelBackend.Current"/>). Checks the image for NaN/Inf first.
/// </summary>
public static class Perturbation
{
    /// <summary>Applies <paramref name="op"/> to one planar image [C][H][W] in place.</summary>
    public static void Apply(IPerturbation op, Span<float> image, ImageShape shape, ulong seed) =>
        Apply(op, image, shape, seed, KernelBackend.Current);

    /// <summary>Applies <paramref name="op"/> on an explicit backend.</summary>
    public static void Apply(IPerturbation op, Span<float> image, ImageShape shape, ulong seed, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(op);
        Checks.Image(image, shape);
        Guard.Finite(image, "image", shape.Width);
        using var span = KernelTrace.Kernel("perturb", op.GetType().Name, 8L * image.Length);
        op.Apply(PerturbKernels.For(backend), image, shape, seed);
    }

    /// <summary>The fused chain over a batch [N][C][H][W], per-sample chains and seeds (see IPerturbKernels).</summary>
    public static void Pointwise(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds)
    {
        using var span = KernelTrace.Kernel("perturb.pointwise", 8L * batch.Length);
        PerturbKernels.Current.Pointwise(batch, shape, chains, seeds);
    }
}
