using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// <c>agg_loss</c> as GLSL compute shaders on the shared <see cref="VulkanContext"/>, every mode of
/// <see cref="AggMode"/>, as three dispatches in one submission: <c>agg_rows.comp</c> (one workgroup per row: Σ m·x
/// and Σ m), <c>agg_finish.comp</c> (one workgroup: the loss and the per-row factor s_i, see <see cref="AggMath"/>)
/// and, when the gradient is asked for, <c>agg_scale.comp</c> (grad = s_i·m). Every reduction has a fixed order, so
/// the same input gives the same bits; the sums are float32 (the CPU backends finish in double), so the loss agrees
/// with <see cref="LossAggReference"/> to about 1e-6 relative for rows of a few thousand tokens.
/// </summary>
public sealed class LossAggVulkan : ILossAggKernels
{
    private const int ScaleWorkgroup = 256;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public LossAggVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The aggregation modes this backend runs on the GPU (all of them).</summary>
    public static IReadOnlyList<string> Ported { get; } =
        ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"];

    /// <inheritdoc />
    public float Aggregate(
        AggMode mode, ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols,
        Span<float> gradLossMat, float? lossScaleFactor = null)
    {
        var context = _context ?? VulkanRuntime.Shared;
        int n = rows * cols;
        bool wantGrad = !gradLossMat.IsEmpty;
        using var x = VulkanBuffer.From(context, lossMat);
        using var m = VulkanBuffer.From(context, lossMask);
        using var sums = VulkanBuffer.Create(context, 2L * rows * sizeof(float));
        using var scale = VulkanBuffer.Create(context, (long)rows * sizeof(float));
        using var result = VulkanBuffer.Create(context, sizeof(float));
        using var grad = VulkanBuffer.Create(context, wantGrad ? (long)n * sizeof(float) : 0);
        var dispatches = Dispatches(x, m, sums, scale, result, wantGrad ? grad : null, mode, rows, cols,
            lossScaleFactor ?? cols);
        context.Run(dispatches);
        if (wantGrad)
        {
            grad.AsSpan<float>()[..n].CopyTo(gradLossMat);
        }

        return result.AsSpan<float>()[0];
    }

    /// <summary>
    /// The two or three dispatches of one aggregation: rows → finish → (scale when <paramref name="grad"/> is set).
    /// </summary>
    internal static VulkanDispatch[] Dispatches(
        VulkanBuffer lossMat, VulkanBuffer mask, VulkanBuffer rowSums, VulkanBuffer rowScale, VulkanBuffer result,
        VulkanBuffer? grad, AggMode mode, int rows, int cols, float divisor)
    {
        var (rx, ry) = VulkanDispatch.Split(rows);
        var list = new List<VulkanDispatch>(3)
        {
            new("agg_rows", [lossMat, mask, rowSums], VulkanDispatch.Bytes(new RowsPush((uint)rows, (uint)cols)),
                rx, ry),
            new("agg_finish", [rowSums, rowScale, result],
                VulkanDispatch.Bytes(new FinishPush((uint)rows, (uint)mode, divisor)), 1),
        };
        if (grad is not null)
        {
            long n = (long)rows * cols;
            var (gx, gy) = VulkanDispatch.Split((n + ScaleWorkgroup - 1) / ScaleWorkgroup);
            list.Add(new("agg_scale", [mask, rowScale, grad],
                VulkanDispatch.Bytes(new ScalePush((uint)n, (uint)cols)), gx, gy));
        }

        return [.. list];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct RowsPush(uint Rows, uint Cols);

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct FinishPush(uint Rows, uint Mode, float Divisor);

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct ScalePush(uint N, uint Cols);
}
