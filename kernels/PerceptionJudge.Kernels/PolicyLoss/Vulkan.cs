using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Policy losses as GLSL compute shaders on the shared <see cref="VulkanContext"/>, one workgroup per row reducing
/// the row's sums in float (fixed order): <c>vanilla</c> (<c>ppo_vanilla.comp</c>), <c>gspo</c>, <c>gpg</c>,
/// <c>cispo</c>, <c>sapo</c> and <c>geo_mean</c> (<c>policy_&lt;mode&gt;.comp</c>).
/// Each shader writes d pg / d log_prob · m per token and five sums per row (Σ pg·m, Σ m and the three metric
/// numerators). The host finishes in double exactly as the CPU backend does: the row sums go through
/// <see cref="AggMath.Finish"/> (verl <c>agg_loss</c>; gspo and sapo always seq-mean-token-mean) and the gradient
/// is scaled by the aggregation factor s_i while it is copied out; geo_mean's shader writes the final gradient and
/// the host averages the rows' losses. <c>kl_cov</c> runs its batch means, a device radix select of the top-k
/// covariances and the row shader in one submission; <c>clip_cov</c> its candidate test on the device, the seeded
/// draw on the host, then the row shader (<c>VulkanCov.cs</c>). Every verl loss mode is ported.
/// </summary>
public sealed partial class PolicyLossVulkan : IPolicyLossKernels
{
    private const int SumsPerRow = 5;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public PolicyLossVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The loss modes this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } =
        ["vanilla", "gspo", "gpg", "geo_mean", "cispo", "sapo", "kl_cov", "clip_cov"];

    /// <inheritdoc />
    public PolicyLossResult Compute(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options)
    {
        uint cols = (uint)input.Cols, rows = (uint)input.Rows;
        float lower = (float)(1.0 - options.Low), upper = (float)(1.0 + options.High);
        var agg = LossAggregation.Parse(options.LossAggMode);
        float? factor = options.LossScaleFactor;
        return mode switch
        {
            PolicyLossMode.Vanilla => RowLoss("ppo_vanilla", VanillaPushBytes(cols, rows, options), input,
                gradLogProb, agg, factor),
            PolicyLossMode.Gspo => RowLoss("policy_gspo", Push(cols, rows, lower, upper), input, gradLogProb,
                AggMode.SeqMeanTokenMean, null),
            PolicyLossMode.Gpg => RowLoss("policy_gpg", Push(cols, rows, 0f, 0f), input, gradLogProb, agg, factor),
            PolicyLossMode.Cispo => RowLoss("policy_cispo", Push(cols, rows, lower, upper), input, gradLogProb, agg,
                factor),
            PolicyLossMode.Sapo => RowLoss("policy_sapo", Push(cols, rows, options.TauPos, options.TauNeg), input,
                gradLogProb, AggMode.SeqMeanTokenMean, null),
            PolicyLossMode.GeoMean => RowLoss("policy_geo_mean", Push(cols, rows, options.Low, options.High), input,
                gradLogProb, agg: null, null),
            PolicyLossMode.KlCov => KlCov(input, gradLogProb, options, agg, factor),
            PolicyLossMode.ClipCov => ClipCov(input, gradLogProb, options, agg, factor),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown policy loss mode"),
        };
    }

    /// <summary>
    /// The vanilla (dual-clip PPO) row dispatch over (old_log_prob, log_prob, advantages, response_mask, d pg /
    /// d log_prob · m, five sums per row): one workgroup per row. The host's finish (the aggregation and s_i) is not
    /// part of it.
    /// </summary>
    internal static VulkanDispatch VanillaDispatch(VulkanBuffer[] buffers, int rows, int cols,
        PolicyLossOptions options)
    {
        var (x, y) = VulkanDispatch.Split(rows);
        return new VulkanDispatch("ppo_vanilla", buffers, VanillaPushBytes((uint)cols, (uint)rows, options), x, y);
    }

    /// <summary>Bytes of the row-sums buffer of <paramref name="rows"/> rows.</summary>
    internal static long RowSumsBytes(int rows) => (long)rows * SumsPerRow * sizeof(float);

    private static byte[] VanillaPushBytes(uint cols, uint rows, PolicyLossOptions options) =>
        VulkanDispatch.Bytes(new VanillaPush(cols, rows, (float)(1.0 - options.Low), (float)(1.0 + options.High),
            options.ClipRatioC));

    private static byte[] Push(uint cols, uint rows, float p0, float p1) =>
        VulkanDispatch.Bytes(new RowPush(cols, rows, p0, p1));

    /// <summary>
    /// Runs a one-workgroup-per-row loss shader and finishes on the host: with <paramref name="agg"/> the loss is
    /// agg_loss of the row sums and the gradient is scaled by s_i; without (geo_mean) the loss is the mean of the
    /// rows' losses and the shader's gradient is final.
    /// </summary>
    private PolicyLossResult RowLoss(
        string shader, byte[] push, in PolicyLossInput input, Span<float> grad, AggMode? agg, float? scaleFactor)
    {
        var context = Context;
        int rows = input.Rows, cols = input.Cols;
        long n = (long)rows * cols;
        using var old = VulkanBuffer.From(context, input.OldLogProb);
        using var logProb = VulkanBuffer.From(context, input.LogProb);
        using var adv = VulkanBuffer.From(context, input.Advantages);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var g = VulkanBuffer.Create(context, n * sizeof(float));
        using var sums = VulkanBuffer.Create(context, RowSumsBytes(rows));
        var (x, y) = VulkanDispatch.Split(rows);
        context.Run(new VulkanDispatch(shader, [old, logProb, adv, mask, g, sums], push, x, y));
        return FinishRows(sums, g, rows, cols, grad, agg, scaleFactor);
    }

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

    /// <summary>
    /// The host's O(rows) finish in double from the five row sums and the shader's dpg·m (see <see cref="RowLoss"/>).
    /// </summary>
    private static PolicyLossResult FinishRows(
        VulkanBuffer sums, VulkanBuffer g, int rows, int cols, Span<float> grad, AggMode? agg, float? scaleFactor)
    {
        var s = sums.AsSpan<float>();
        var rowLoss = new double[rows];
        var rowMask = new double[rows];
        double lossSum = 0, maskSum = 0, nakSum = 0, clipSum = 0, lowerSum = 0;
        for (int i = 0; i < rows; i++)
        {
            rowLoss[i] = s[SumsPerRow * i];
            rowMask[i] = s[SumsPerRow * i + 1];
            lossSum += rowLoss[i];
            maskSum += rowMask[i];
            nakSum += s[SumsPerRow * i + 2];
            clipSum += s[SumsPerRow * i + 3];
            lowerSum += s[SumsPerRow * i + 4];
        }

        var rowScale = new double[rows];
        double loss = agg is AggMode mode
            ? AggMath.Finish(mode, rowLoss, rowMask, scaleFactor ?? cols, rowScale)
            : lossSum / rows;
        if (!grad.IsEmpty)
        {
            var gs = g.AsSpan<float>();
            for (int i = 0; i < rows; i++)
            {
                var row = gs.Slice(i * cols, cols);
                if (agg is null)
                {
                    row.CopyTo(grad.Slice(i * cols, cols));
                    continue;
                }

                float scale = (float)rowScale[i];
                for (int t = 0; t < cols; t++)
                {
                    grad[i * cols + t] = row[t] * scale;
                }
            }
        }

        return new((float)loss, PolicyLossMath.MaskedMean(clipSum, maskSum),
            PolicyLossMath.MaskedMean(nakSum, maskSum), PolicyLossMath.MaskedMean(lowerSum, maskSum));
    }

    /// <summary>Push constants of <c>ppo_vanilla.comp</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct VanillaPush(uint Cols, uint Rows, float Lower, float Upper, float ClipC);

    /// <summary>Push constants of the <c>policy_*.comp</c> shaders: sizes and the mode's two hyper-parameters.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct RowPush(uint Cols, uint Rows, float P0, float P1);
}
