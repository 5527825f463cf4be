using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Lora;

/// <summary>
/// LoRA merge / unmerge / delta as one GLSL dispatch (<c>lora_merge.comp</c>: a 16×16-tiled B·A in shared memory,
/// float accumulation in k order, then <c>fma(scale, acc, w)</c> as <see cref="LoraCpu"/> writes it) on the shared
/// <see cref="VulkanContext"/>. The whole operation set is ported.
/// </summary>
public sealed class LoraVulkan : ILoraKernels
{
    private const int Tile = 16;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public LoraVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The operations this backend runs on the GPU (all of <see cref="ILoraKernels"/>).</summary>
    public static IReadOnlyList<string> Ported { get; } = ["merge", "unmerge", "delta"];

    /// <inheritdoc />
    public void AddScaledProduct(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape, float scale,
        bool accumulate)
    {
        var context = _context ?? VulkanRuntime.Shared;
        using var w = accumulate ? VulkanBuffer.From<float>(context, weight)
            : VulkanBuffer.Create(context, (long)weight.Length * sizeof(float));
        using var a = VulkanBuffer.From(context, loraA);
        using var b = VulkanBuffer.From(context, loraB);
        context.Run(Dispatch(w, a, b, shape, scale, accumulate));
        w.AsSpan<float>()[..weight.Length].CopyTo(weight);
    }

    /// <summary>The dispatch of W (+)= scale·B·A over the buffers (W, A, B): one workgroup per 16×16 tile of W.
    /// </summary>
    internal static VulkanDispatch Dispatch(
        VulkanBuffer w, VulkanBuffer a, VulkanBuffer b, LoraShape shape, float scale, bool accumulate)
    {
        int tilesX = (shape.InFeatures + Tile - 1) / Tile;
        int tilesY = (shape.OutFeatures + Tile - 1) / Tile;
        var push = new MergePush((uint)shape.OutFeatures, (uint)shape.InFeatures, (uint)shape.Rank, scale,
            accumulate ? 1u : 0u, (uint)tilesX);
        var (x, y) = VulkanDispatch.Split((long)tilesX * tilesY);
        return new VulkanDispatch("lora_merge", [w, a, b], VulkanDispatch.Bytes(push), x, y);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct MergePush(
        uint OutF, uint InF, uint Rank, float Scale, uint Accumulate, uint TilesX);
}
