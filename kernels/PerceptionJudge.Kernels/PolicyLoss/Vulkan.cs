using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Policy losses as GLSL compute shaders on the shared <see cref="VulkanContext"/>. Ported: <c>vanilla</c>
/// (<c>ppo_vanilla.comp</c>: per-token loss, clip indicators and d pg / d log_prob, one workgroup per row reducing
/// the row's sums in float). The host finishes in double exactly as the CPU backend does: the row sums go through
/// <see cref="AggMath.Finish"/> (verl <c>agg_loss</c>) and the gradient is scaled by the aggregation factor s_i while
/// it is copied out. Other modes throw <see cref="NotSupportedException"/> naming the mode: no silent fallback.
/// </summary>
public sealed class PolicyLossVulkan : IPolicyLossKernels
{
    private const string VanillaShader = "ppo_vanilla";
    private const int SumsPerRow = 5;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public PolicyLossVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The loss modes this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } = ["vanilla"];

    /// <inheritdoc />
    public PolicyLossResult Compute(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options) =>
        mode == PolicyLossMode.Vanilla
            ? Vanilla(input, gradLogProb, options)
            : throw new NotSupportedException(
                $"policy loss '{mode}' is not ported to the Vulkan backend yet (ported: {string.Join(", ", Ported)});"
                + " use --backend cpu");

    private PolicyLossResult Vanilla(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        var context = _context ?? VulkanRuntime.Shared;
        int rows = input.Rows, cols = input.Cols;
        long n = (long)rows * cols;
        using var old = VulkanBuffer.From(context, input.OldLogProb);
        using var logProb = VulkanBuffer.From(context, input.LogProb);
        using var adv = VulkanBuffer.From(context, input.Advantages);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var g = VulkanBuffer.Create(context, n * sizeof(float));
        using var sums = VulkanBuffer.Create(context, (long)rows * SumsPerRow * sizeof(float));
        var push = new VanillaPush(
            (uint)cols, (uint)rows, (float)(1.0 - options.Low), (float)(1.0 + options.High), options.ClipRatioC);
        var (x, y) = VulkanDispatch.Split(rows);
        context.Run(new VulkanDispatch(
            VanillaShader, [old, logProb, adv, mask, g, sums], VulkanDispatch.Bytes(push), x, y));

        var s = sums.AsSpan<float>();
        var rowLoss = new double[rows];
        var rowMask = new double[rows];
        double maskSum = 0, nakSum = 0, clipSum = 0, lowerSum = 0;
        for (int i = 0; i < rows; i++)
        {
            rowLoss[i] = s[SumsPerRow * i];
            rowMask[i] = s[SumsPerRow * i + 1];
            maskSum += rowMask[i];
            nakSum += s[SumsPerRow * i + 2];
            clipSum += s[SumsPerRow * i + 3];
            lowerSum += s[SumsPerRow * i + 4];
        }

        var mode = LossAggregation.Parse(options.LossAggMode);
        var rowScale = new double[rows];
        double loss = AggMath.Finish(mode, rowLoss, rowMask, options.LossScaleFactor ?? cols, rowScale);
        if (!grad.IsEmpty)
        {
            var gs = g.AsSpan<float>();
            for (int i = 0; i < rows; i++)
            {
                float scale = (float)rowScale[i];
                for (int t = 0; t < cols; t++)
                {
                    grad[i * cols + t] = gs[i * cols + t] * scale;
                }
            }
        }

        return new((float)loss, PolicyLossMath.MaskedMean(clipSum, maskSum),
            PolicyLossMath.MaskedMean(nakSum, maskSum), PolicyLossMath.MaskedMean(lowerSum, maskSum));
    }

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct VanillaPush(uint Cols, uint Rows, float Lower, float Upper, float ClipC);
}
