using ILGPU;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>The argument structs of the <see cref="PerturbIlgpu"/> kernels: views and scalars.</summary>
public sealed partial class PerturbIlgpu
{
    /// <summary>The batch [N][C][H][W], the per-image chains and seeds.</summary>
    internal readonly record struct PointwiseArgs(
        ArrayView<float> Batch, ArrayView<PointwiseChain> Chains, ArrayView<ulong> Seeds, int Plane, int Size,
        int ColourChannels);

    /// <summary>One blur pass from Source to Target with the double taps (horizontal when Vertical is 0).</summary>
    internal readonly record struct BlurArgs(
        ArrayView<float> Source, ArrayView<float> Target, ArrayView<double> Taps, int Width, int Height,
        int Vertical);

    /// <summary>Salt and pepper over the image's colour channels.</summary>
    internal readonly record struct SaltPepperArgs(
        ArrayView<float> Image, int Plane, int ColourChannels, float Amount, ulong Seed);

    /// <summary>Hue rotation by the 3×3 matrix (row-major), blended by the mask (everywhere when HasMask is 0).
    /// </summary>
    internal readonly record struct HueArgs(
        ArrayView<float> Image, ArrayView<byte> Mask, ArrayView<float> Matrix, int Plane, int HasMask);

    /// <summary>Recolour to (R, G, B); Luma[0] is the reference luma the first kernel reduces.</summary>
    internal readonly record struct RecolourArgs(
        ArrayView<float> Image, ArrayView<byte> Mask, ArrayView<float> Luma, int Plane, float R, float G, float B);

    /// <summary>A masked paste from Source (rect From) onto Image (rect To), over To clipped to the image.</summary>
    internal readonly record struct PasteArgs(
        ArrayView<float> Source, ArrayView<float> Image, ArrayView<byte> Mask, int Width, int Height, int Channels,
        int FromX, int FromY, int FromWidth, int FromHeight, int ToX, int ToY, int ToWidth, int ToHeight, int ClipX,
        int ClipY, int ClipWidth);

    /// <summary>The affine warp of Source into Image: M⁻¹ row-major (Inv0..Inv3) and the translation.</summary>
    internal readonly record struct AffineArgs(
        ArrayView<float> Source, ArrayView<float> Image, int Width, int Height, int Channels, float Inv0, float Inv1,
        float Inv2, float Inv3, float TranslateX, float TranslateY);

    /// <summary>A fill of the clipped rectangle with (R, G, B); with Glyphs &gt; 0, only where Ink (the text's glyph
    /// bitmaps [glyph][row][col], 1 = ink) is set for the text at (OriginX, OriginY)·Scale.</summary>
    internal readonly record struct PaintArgs(
        ArrayView<float> Image, ArrayView<byte> Ink, int Width, int Height, int ColourChannels, int ClipX, int ClipY,
        int ClipWidth, int Glyphs, int OriginX, int OriginY, int Scale, float R, float G, float B);

    /// <summary>One Jacobi sweep from Previous to Next over the box (BoxX, BoxY, BoxWidth, BoxHeight).</summary>
    internal readonly record struct JacobiArgs(
        ArrayView<float> Previous, ArrayView<float> Next, ArrayView<byte> Mask, int Width, int Height, int BoxX,
        int BoxY, int BoxWidth, int BoxHeight);

    /// <summary>The patch search: the image (its valid source patches never change), valid centres (1 = valid),
    /// the target's known offsets and values ([c·Count + k]), the window, per-row winners and the best.</summary>
    internal readonly record struct SearchArgs(
        ArrayView<float> Image, ArrayView<byte> Valid, ArrayView<int> Offsets, ArrayView<float> Values,
        ArrayView<int> RowIndex, ArrayView<float> RowSsd, ArrayView<ulong> RowKey, ArrayView<int> Best, int Width,
        int Plane, int ColourChannels, int Count, int WindowX, int WindowY, int WindowWidth, int WindowHeight,
        ulong Seed);

    /// <summary>JPEG quantisation: the DCT basis (64), the luma then chroma tables (128), 256 doubles of scratch per
    /// block.</summary>
    internal readonly record struct JpegArgs(
        ArrayView<float> Image, ArrayView<double> Cos, ArrayView<double> Tables, ArrayView<double> Scratch, int Width,
        int Height, int Channels);
}
