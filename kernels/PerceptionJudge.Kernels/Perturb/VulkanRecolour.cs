using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>Recolour to a target colour on the device (<c>recolour_luma.comp</c>, <c>perturb_recolour.comp</c>).
/// </summary>
public sealed partial class PerturbVulkan
{
    /// <summary>
    /// Three dispatches in one submission: per-workgroup luma sums and exact counts, one workgroup that adds them in
    /// a fixed order into L₀, then the per-pixel recolour (the reference's float formula with <c>precise</c>). The
    /// reference's L₀ is a serial double mean; this float tree agrees within about log2(pixels)·2⁻²⁴ relative
    /// (below 1e-5 for any image that fits a buffer), and a rerun gives the same bits.
    /// </summary>
    public void RecolourTo(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, Rgb target)
    {
        Checks.Image(image, shape);
        Checks.Mask(mask, shape, allowEmpty: false);
        Checks.Colour(target, "target");
        if (shape.Channels < 3)
        {
            return;
        }

        var context = Context;
        int groups = (shape.Plane + WorkgroupSize - 1) / WorkgroupSize;
        using var img = VulkanBuffer.From<float>(context, image);
        using var maskBuffer = MaskWords(context, mask);
        using var sums = VulkanBuffer.Create(context, (long)groups * 2 * sizeof(float));
        using var counts = VulkanBuffer.Create(context, (long)groups * 2 * sizeof(uint));
        using var refLuma = VulkanBuffer.Create(context, sizeof(float));
        var (x, y) = VulkanDispatch.Split(groups);
        VulkanBuffer[] lumaBuffers = [img, maskBuffer, sums, counts, refLuma];
        var partials = new LumaPush((uint)shape.Plane, (uint)groups, 0);
        var finish = partials with { Stage = 1 };
        var apply = new RecolourPush((uint)shape.Plane, 1f / 255f, 1f / 255f, target.R, target.G, target.B);
        context.Run(
            new VulkanDispatch("recolour_luma", lumaBuffers, VulkanDispatch.Bytes(partials), x, y),
            new VulkanDispatch("recolour_luma", lumaBuffers, VulkanDispatch.Bytes(finish), 1),
            new VulkanDispatch("perturb_recolour", [img, maskBuffer, refLuma], VulkanDispatch.Bytes(apply), x, y));
        img.AsSpan<float>()[..image.Length].CopyTo(image);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct LumaPush(uint Plane, uint Groups, uint Stage);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct RecolourPush(uint Plane, float CoverScale, float LumaFloor, float TargetR,
        float TargetG, float TargetB);
}
