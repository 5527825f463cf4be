using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>Separable Gaussian blur, σ in [0.05, 64] pixels.</summary>
public sealed class BlurOp : IPerturbation
{
    /// <summary>Checks σ.</summary>
    public BlurOp(float sigma)
    {
        Checks.Range(sigma, 0.05f, 64f, "sigma");
        Sigma = sigma;
    }

    /// <summary>Standard deviation in pixels.</summary>
    public float Sigma { get; }

    /// <inheritdoc />
    public string Name => "gaussian_blur";

    /// <inheritdoc />
    public string Describe() => $"gaussian_blur(sigma={Sigma:0.###})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed) =>
        kernels.GaussianBlur(image, shape, Sigma);
}

/// <summary>
/// Additive Gaussian noise x + σ·n on the colour channels, clamped; n from <see cref="HashRng.Normal"/>.
/// </summary>
public sealed class GaussianNoiseOp : IPerturbation
{
    /// <summary>Checks σ ∈ [0, 1].</summary>
    public GaussianNoiseOp(float std)
    {
        Checks.Range(std, 0, 1, "noise_std");
        Std = std;
    }

    /// <summary>Noise standard deviation on the [0, 1] scale.</summary>
    public float Std { get; }

    /// <inheritdoc />
    public string Name => "gaussian_noise";

    /// <inheritdoc />
    public string Describe() => $"gaussian_noise(std={Std:0.###})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed) =>
        kernels.Pointwise(image, shape, [PointwiseChain.Identity with { NoiseStd = Std }], [seed]);
}

/// <summary>Salt-and-pepper: a fraction <see cref="Amount"/> of pixels become black or white.</summary>
public sealed class SaltPepperOp : IPerturbation
{
    /// <summary>Checks amount ∈ [0, 1].</summary>
    public SaltPepperOp(float amount)
    {
        Checks.Range(amount, 0, 1, "amount");
        Amount = amount;
    }

    /// <summary>Probability per pixel.</summary>
    public float Amount { get; }

    /// <inheritdoc />
    public string Name => "salt_pepper";

    /// <inheritdoc />
    public string Describe() => $"salt_pepper(amount={Amount:0.###})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed) =>
        kernels.SaltPepper(image, shape, Amount, seed);
}

/// <summary>Brightness, contrast and saturation (one fused pass) then a luma-preserving hue rotation.</summary>
public sealed class ColorJitterOp : IPerturbation
{
    /// <summary>Factors in [0, 8] (1 = unchanged), hue in degrees [−180, 180].</summary>
    public ColorJitterOp(float brightness, float contrast, float saturation, float hueDegrees)
    {
        Chain = new PointwiseChain(brightness, contrast, saturation, 0);
        Chain.Validate(0);
        Checks.Range(hueDegrees, -180, 180, "hue");
        HueDegrees = hueDegrees;
    }

    /// <summary>The fused part.</summary>
    public PointwiseChain Chain { get; }

    /// <summary>Hue rotation in degrees.</summary>
    public float HueDegrees { get; }

    /// <inheritdoc />
    public string Name => "color_jitter";

    /// <inheritdoc />
    public string Describe() =>
        $"color_jitter(brightness={Chain.Brightness:0.###}, contrast={Chain.Contrast:0.###}, " +
        $"saturation={Chain.Saturation:0.###}, hue={HueDegrees:0.#})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        kernels.Pointwise(image, shape, [Chain], [seed]);
        if (HueDegrees != 0f)
        {
            kernels.HueRotate(image, shape, HueDegrees, []);
        }
    }
}

/// <summary>JPEG-like blockiness: real 8×8 DCT quantisation at quality 1..100.</summary>
public sealed class JpegOp : IPerturbation
{
    /// <summary>Checks the quality.</summary>
    public JpegOp(int quality)
    {
        Checks.Range(quality, 1, 100, "quality");
        Quality = quality;
    }

    /// <summary>IJG quality.</summary>
    public int Quality { get; }

    /// <inheritdoc />
    public string Name => "jpeg";

    /// <inheritdoc />
    public string Describe() => $"jpeg(quality={Quality})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed) =>
        kernels.JpegQuantise(image, shape, Quality);
}

/// <summary>A small affine warp about the centre (rotation, scale, shear, translation), bilinear.</summary>
public sealed class AffineOp : IPerturbation
{
    /// <summary>Checks angle ∈ [−180, 180], scale ∈ [0.1, 10], shear ∈ [−2, 2].</summary>
    public AffineOp(AffineTransform transform)
    {
        Checks.Affine(transform);
        Transform = transform;
    }

    /// <summary>The warp.</summary>
    public AffineTransform Transform { get; }

    /// <inheritdoc />
    public string Name => "affine";

    /// <inheritdoc />
    public string Describe() =>
        $"affine(angle={Transform.AngleDegrees:0.##}, scale={Transform.Scale:0.###}, shear={Transform.ShearX:0.###}, " +
        $"tx={Transform.TranslateX:0.#}, ty={Transform.TranslateY:0.#})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        var source = image.ToArray();
        kernels.Affine(source, image, shape, Transform);
    }
}

/// <summary>Cutout: one rectangle filled with a flat colour.</summary>
public sealed class CutoutOp : IPerturbation
{
    /// <summary>Checks the rectangle has positive size and the colour is in [0, 1].</summary>
    public CutoutOp(PixelRect rect, Rgb fill)
    {
        Checks.Rect(rect, "rect");
        Checks.Colour(fill, "fill");
        Rect = rect;
        Fill = fill;
    }

    /// <summary>The rectangle (clipped to the image when applied).</summary>
    public PixelRect Rect { get; }

    /// <summary>The fill colour.</summary>
    public Rgb Fill { get; }

    /// <inheritdoc />
    public string Name => "cutout";

    /// <inheritdoc />
    public string Describe() => $"cutout(x={Rect.X}, y={Rect.Y}, w={Rect.Width}, h={Rect.Height})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed) =>
        kernels.FillRect(image, shape, Rect, Fill);
}
