namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The image-perturbation operation set over planar float images [C][H][W] in [0, 1] (interleaved RGBA8 is
/// converted at the Data boundary). Masks are coverage bytes [H][W]: 0 outside, 255 inside, in between on
/// anti-aliased edges, blended linearly. Every op is deterministic for its seed (counter-based hashing, see
/// <see cref="HashRng"/>) and writes only the pixels its doc names. In place unless a source span is given.
/// </summary>
public interface IPerturbKernels
{
    /// <summary>
    /// The fused pointwise chain (<see cref="PointwiseChain"/>) over a batch of <c>chains.Length</c> images laid
    /// out [N][C][H][W]; image n uses chains[n] and seeds[n] (per-sample parameters in one launch). Noise for
    /// channel c, pixel i is <see cref="HashRng.Normal"/>(seeds[n], c·H·W + i).
    /// </summary>
    void Pointwise(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds);

    /// <summary>Separable Gaussian blur of every channel, radius ⌈3σ⌉, normalised weights, edge replication.</summary>
    void GaussianBlur(Span<float> image, ImageShape shape, float sigma);

    /// <summary>
    /// Each pixel, with probability <paramref name="amount"/>, gets all colour channels 0 or 1 (½ each).
    /// </summary>
    void SaltPepper(Span<float> image, ImageShape shape, float amount, ulong seed);

    /// <summary>
    /// Luma-preserving hue rotation (YIQ) by <paramref name="degrees"/>; an empty mask means everywhere.
    /// </summary>
    void HueRotate(Span<float> image, ImageShape shape, float degrees, ReadOnlySpan<byte> mask);

    /// <summary>Recolours the masked object to <paramref name="target"/>, keeping its shading (luma ratio).</summary>
    void RecolourTo(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, Rgb target);

    /// <summary>Removes the masked pixels by diffusion inpainting (onion peel + Jacobi sweeps of Δu = 0).</summary>
    void Inpaint(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, int iterations);

    /// <summary>
    /// Removes the masked pixels by exemplar (patch) inpainting (Criminisi et al. 2004, see ExemplarFill.cs): the
    /// hole is filled from its boundary inwards with copies of the best-matching patches from outside it, so
    /// texture continues where the diffusion fill would smear. <paramref name="seed"/> only breaks exact ties between sources.
    /// </summary>
    void ExemplarFill(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, ExemplarFillOptions options,
        ulong seed);

    /// <summary>
    /// Pastes the masked content of <paramref name="source"/> inside <paramref name="from"/> onto
    /// <paramref name="image"/> inside <paramref name="to"/>, resampled bilinearly when the sizes differ
    /// (move, swap, duplicate, scale). Only pixels of <paramref name="to"/> where the mapped mask is non-zero change.
    /// </summary>
    void Paste(ReadOnlySpan<float> source, Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        PixelRect from, PixelRect to);

    /// <summary>JPEG quantisation of every 8×8 block at <paramref name="quality"/> 1..100 (real DCT-II).</summary>
    void JpegQuantise(Span<float> image, ImageShape shape, int quality);

    /// <summary>Warps <paramref name="source"/> into <paramref name="image"/> (bilinear, edge replication).</summary>
    void Affine(ReadOnlySpan<float> source, Span<float> image, ImageShape shape, AffineTransform transform);

    /// <summary>
    /// Cutout: sets the colour channels of <paramref name="rect"/> (clipped) to <paramref name="colour"/>.
    /// </summary>
    void FillRect(Span<float> image, ImageShape shape, PixelRect rect, Rgb colour);

    /// <summary>Renders <paramref name="text"/> in the 5×7 <see cref="GlyphFont"/> at (x, y), scaled.</summary>
    void DrawText(Span<float> image, ImageShape shape, ReadOnlySpan<char> text, int x, int y, int scale, Rgb colour);
}
