using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Image perturbations as GLSL compute shaders on the shared <see cref="VulkanContext"/>, one invocation per pixel.
/// Ported: the pointwise chain (<c>perturb_pointwise.comp</c>: brightness, contrast, saturation, hash noise, per
/// sample in one launch), salt and pepper, hue rotation, the separable Gaussian blur (two passes in one submission),
/// the affine warp, cutout (fill) and the masked bilinear paste (move, duplicate, scale). All but the blur equal the
/// reference bit for bit (<c>precise</c> arithmetic in the host's order, SplitMix64 hashing in 32-bit words); the
/// blur adds float taps in float, within 1e-5. Recolour (VulkanRecolour.cs) reduces its reference luma in float,
/// within 1e-5 relative. Inpaint, the exemplar fill, JPEG and text throw
/// <see cref="NotSupportedException"/> listing what is ported. Arguments are
/// checked on the host first, with the other backends' errors.
/// </summary>
public sealed partial class PerturbVulkan : IPerturbKernels
{
    private const int WorkgroupSize = 256;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public PerturbVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The perturbation operations this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } =
        ["pointwise", "gaussian_blur", "salt_pepper", "hue_rotate", "recolour", "affine", "fill_rect", "paste"];

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

    /// <inheritdoc />
    public void Pointwise(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds)
    {
        Checks.Batch(batch, shape, chains, seeds);
        var context = Context;
        using var image = VulkanBuffer.From<float>(context, batch);
        using var parameters = PointwiseParameters(context, chains, seeds);
        context.Run(PointwiseDispatch(image, parameters, shape, chains.Length));
        image.AsSpan<float>()[..batch.Length].CopyTo(batch);
    }

    /// <summary>The per-sample chains and seeds as the shader's std430 <c>Sample</c> array (host-visible).</summary>
    internal static VulkanBuffer PointwiseParameters(
        VulkanContext context, ReadOnlySpan<PointwiseChain> chains, ReadOnlySpan<ulong> seeds)
    {
        var samples = new Sample[chains.Length];
        for (int n = 0; n < samples.Length; n++)
        {
            var k = chains[n];
            samples[n] = new Sample(k.Brightness, k.Contrast, k.Saturation, k.NoiseStd, seeds[n]);
        }

        return VulkanBuffer.From<Sample>(context, samples);
    }

    /// <summary>The in-place pointwise chain over (batch, parameters) of <paramref name="images"/> images: one
    /// invocation per pixel.</summary>
    internal static VulkanDispatch PointwiseDispatch(
        VulkanBuffer batch, VulkanBuffer parameters, ImageShape shape, int images)
    {
        var push = new PointwisePush((uint)shape.Plane, (uint)shape.Channels, (uint)shape.ColourChannels,
            (uint)images);
        return Dispatch("perturb_pointwise", [batch, parameters], push, (long)shape.Plane * images);
    }

    /// <inheritdoc />
    public void GaussianBlur(Span<float> image, ImageShape shape, float sigma)
    {
        Checks.Image(image, shape);
        Checks.Range(sigma, 0.05f, 64f, "sigma");
        var taps = PerturbReference.GaussianTaps(sigma);
        var w = new float[taps.Length];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)taps[i];
        }

        var context = Context;
        using var img = VulkanBuffer.From<float>(context, image);
        using var tmp = VulkanBuffer.Create(context, (long)image.Length * sizeof(float));
        using var tapBuffer = VulkanBuffer.From<float>(context, w);
        long pixels = (long)shape.Plane * shape.Channels;
        var (x, y) = VulkanDispatch.Split((pixels + WorkgroupSize - 1) / WorkgroupSize);
        BlurPush Pass(bool vertical) =>
            new((uint)shape.Width, (uint)shape.Height, (uint)shape.Channels, (uint)w.Length, vertical ? 1u : 0u);
        context.Run(
            new VulkanDispatch("perturb_blur", [img, tmp, tapBuffer], VulkanDispatch.Bytes(Pass(false)), x, y),
            new VulkanDispatch("perturb_blur", [tmp, img, tapBuffer], VulkanDispatch.Bytes(Pass(true)), x, y));
        img.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    /// <inheritdoc />
    public void SaltPepper(Span<float> image, ImageShape shape, float amount, ulong seed)
    {
        Checks.Image(image, shape);
        Checks.Range(amount, 0, 1, "amount");
        var context = Context;
        using var img = VulkanBuffer.From<float>(context, image);
        var push = new SaltPepperPush((uint)shape.Plane, (uint)shape.ColourChannels, amount, 0, seed);
        Run(context, "perturb_salt_pepper", [img], push, shape.Plane);
        img.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    /// <inheritdoc />
    public void HueRotate(Span<float> image, ImageShape shape, float degrees, ReadOnlySpan<byte> mask)
    {
        Checks.Image(image, shape);
        Checks.Mask(mask, shape, allowEmpty: true);
        Checks.Range(degrees, -360, 360, "degrees");
        if (shape.Channels < 3)
        {
            return;
        }

        var m = PixelMath.HueMatrix(degrees);
        var context = Context;
        using var img = VulkanBuffer.From<float>(context, image);
        using var maskBuffer = MaskWords(context, mask);
        var push = new HuePush((uint)shape.Plane, mask.IsEmpty ? 0u : 1u, 1f / 255f,
            m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
        Run(context, "perturb_hue", [img, maskBuffer], push, shape.Plane);
        img.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    /// <inheritdoc />
    public void Inpaint(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, int iterations) =>
        throw NotPorted("inpaint");

    /// <inheritdoc />
    public void ExemplarFill(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        ExemplarFillOptions options, ulong seed) => throw NotPorted("exemplar_fill");

    /// <inheritdoc />
    public void Paste(ReadOnlySpan<float> source, Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        PixelRect from, PixelRect to)
    {
        Checks.Image(source, shape, "source");
        Checks.Image(image, shape);
        Checks.Distinct(source, image);
        Checks.Mask(mask, shape, allowEmpty: false);
        Checks.Rect(from, "from");
        Checks.Rect(to, "to");
        var clip = to.Clip(shape.Width, shape.Height);
        if (clip.Width == 0 || clip.Height == 0)
        {
            return;
        }

        var context = Context;
        using var src = VulkanBuffer.From(context, source);
        using var dst = VulkanBuffer.From<float>(context, image);
        using var maskBuffer = MaskWords(context, mask);
        var push = new PastePush((uint)shape.Width, (uint)shape.Height, (uint)shape.Channels, from.X, from.Y, to.X,
            to.Y, (uint)clip.X, (uint)clip.Y, (uint)clip.Width, (uint)(clip.Width * clip.Height),
            (float)from.Width / to.Width, (float)from.Height / to.Height, 1f / 255f);
        Run(context, "perturb_paste", [src, dst, maskBuffer], push, (long)clip.Width * clip.Height);
        dst.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    /// <inheritdoc />
    public void JpegQuantise(Span<float> image, ImageShape shape, int quality) => throw NotPorted("jpeg");

    /// <inheritdoc />
    public void Affine(ReadOnlySpan<float> source, Span<float> image, ImageShape shape, AffineTransform transform)
    {
        Checks.Image(source, shape, "source");
        Checks.Image(image, shape);
        Checks.Distinct(source, image);
        Checks.Affine(transform);
        var inv = PixelMath.AffineInverse(transform);
        var context = Context;
        using var src = VulkanBuffer.From(context, source);
        using var dst = VulkanBuffer.Create(context, (long)image.Length * sizeof(float));
        var push = new AffinePush((uint)shape.Width, (uint)shape.Height, (uint)shape.Channels, transform.TranslateX,
            transform.TranslateY, inv[0], inv[1], inv[2], inv[3]);
        Run(context, "perturb_affine", [src, dst], push, shape.Plane);
        dst.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    /// <inheritdoc />
    public void FillRect(Span<float> image, ImageShape shape, PixelRect rect, Rgb colour)
    {
        Checks.Image(image, shape);
        Checks.Colour(colour, "colour");
        var r = rect.Clip(shape.Width, shape.Height);
        if (r.Width == 0 || r.Height == 0)
        {
            return;
        }

        var context = Context;
        using var img = VulkanBuffer.From<float>(context, image);
        var push = new FillPush((uint)shape.Width, (uint)shape.Plane, (uint)shape.ColourChannels, (uint)r.X,
            (uint)r.Y, (uint)r.Width, (uint)(r.Width * r.Height), colour.R, colour.G, colour.B);
        Run(context, "perturb_fill", [img], push, (long)r.Width * r.Height);
        img.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    /// <inheritdoc />
    public void DrawText(Span<float> image, ImageShape shape, ReadOnlySpan<char> text, int x, int y, int scale,
        Rgb colour) => throw NotPorted("draw_text");

    private static void Run<TPush>(VulkanContext context, string shader, VulkanBuffer[] buffers, TPush push,
        long invocations)
        where TPush : unmanaged => context.Run(Dispatch(shader, buffers, push, invocations));

    private static VulkanDispatch Dispatch<TPush>(string shader, VulkanBuffer[] buffers, TPush push, long invocations)
        where TPush : unmanaged
    {
        var (x, y) = VulkanDispatch.Split((invocations + WorkgroupSize - 1) / WorkgroupSize);
        return new VulkanDispatch(shader, buffers, VulkanDispatch.Bytes(push), x, y);
    }

    /// <summary>The coverage bytes in a buffer of whole uint words (the shaders read four per word; a plane that is
    /// not a multiple of four would otherwise leave its last pixels outside the buffer's range).</summary>
    private static VulkanBuffer MaskWords(VulkanContext context, ReadOnlySpan<byte> mask)
    {
        var buffer = VulkanBuffer.Create(context, (mask.Length + 3L) / 4 * 4);
        mask.CopyTo(buffer.AsSpan<byte>());
        return buffer;
    }

    private static NotSupportedException NotPorted(string op) =>
        new($"perturbation '{op}' is not ported to the Vulkan backend yet (ported: {string.Join(", ", Ported)}); "
            + "use --backend cpu");

    /// <summary>One sample's chain and seed, laid out as the shader's std430 <c>Sample</c> (24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Sample(float Brightness, float Contrast, float Saturation, float NoiseStd,
        ulong Seed);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct PointwisePush(uint Plane, uint Channels, uint ColourChannels, uint Images);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct BlurPush(uint Width, uint Height, uint Planes, uint TapCount, uint Vertical);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct SaltPepperPush(uint Plane, uint ColourChannels, float Amount, uint Pad, ulong Seed);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct HuePush(uint Plane, uint HasMask, float CoverScale, float M0, float M1, float M2,
        float M3, float M4, float M5, float M6, float M7, float M8);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct AffinePush(uint Width, uint Height, uint Channels, float TranslateX,
        float TranslateY, float I0, float I1, float I2, float I3);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct PastePush(uint Width, uint Height, uint Channels, int FromX, int FromY, int ToX,
        int ToY, uint ClipX, uint ClipY, uint ClipWidth, uint ClipPixels, float Kx, float Ky, float CoverScale);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct FillPush(uint Width, uint Plane, uint ColourChannels, uint X0, uint Y0,
        uint RectWidth, uint RectPixels, float R, float G, float B);
}
