using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// The whitened estimators on Vulkan, each one submission: the per-row or per-group stage
/// (<c>rpp_returns.comp</c>, or <c>group_baseline.comp</c> centring), then verl <c>masked_whiten</c> as
/// <c>whiten_stats.comp</c> (one workgroup, fixed-order sums: μ, 1/√(σ² + 1e-8), Σ m) and <c>whiten_apply.comp</c>.
/// A mask sum of 0 or 1 is refused on the host from the device's Σ m, with the CPU backends' error.
/// </summary>
public sealed partial class AdvantageVulkan
{
    /// <inheritdoc/>
    public void ReinforcePlusPlus(in AdvantageInput input, Span<float> advantages, Span<float> returns, float gamma)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var context = Context;
        long n = (long)input.Rows * input.Cols;
        using var rewards = VulkanBuffer.From(context, input.TokenLevelRewards);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var ret = VulkanBuffer.Create(context, n * sizeof(float));
        using var stats = VulkanBuffer.Create(context, 3 * sizeof(float));
        using var adv = VulkanBuffer.Create(context, n * sizeof(float));
        using var unused = VulkanBuffer.Create(context, sizeof(float));
        var (x, y) = VulkanDispatch.Split(((long)input.Rows + WorkgroupSize - 1) / WorkgroupSize);
        var scan = new VulkanDispatch("rpp_returns", [rewards, mask, ret],
            VulkanDispatch.Bytes(new ReturnsPush((uint)input.Rows, (uint)input.Cols, gamma)), x, y);
        context.Run([scan, .. Whiten(ret, mask, stats, adv, unused, n, copyToReturns: false)]);
        AdvantageChecks.MaskSum(stats.AsSpan<float>()[2]);
        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <inheritdoc/>
    public void ReinforcePlusPlusBaseline(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var context = Context;
        var index = input.Index;
        long n = (long)input.Rows * input.Cols;
        using var rewards = VulkanBuffer.From(context, input.TokenLevelRewards);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var offsets = VulkanBuffer.From(context, index.Offsets);
        using var members = VulkanBuffer.From(context, index.Members);
        using var alpha = VulkanBuffer.Create(context, sizeof(float));
        using var centred = VulkanBuffer.Create(context, n * sizeof(float));
        using var centredCopy = VulkanBuffer.Create(context, n * sizeof(float));
        using var flags = VulkanBuffer.Create(context, (long)index.GroupCount * sizeof(uint));
        flags.AsSpan<uint>().Clear(); // device memory starts undefined; a set flag marks a zero-length group
        using var stats = VulkanBuffer.Create(context, 3 * sizeof(float));
        using var adv = VulkanBuffer.Create(context, n * sizeof(float));
        using var ret = VulkanBuffer.Create(context, n * sizeof(float));
        var (perInvocation, x, y) = GroupLayout(index);
        var push = new BaselinePush(
            (uint)input.Cols, (uint)index.GroupCount, (uint)BaselineEstimator.Centre, perInvocation ? 1u : 0u);
        var centre = new VulkanDispatch(BaselineShader,
            [rewards, mask, offsets, members, alpha, centred, centredCopy, flags], VulkanDispatch.Bytes(push), x, y);
        context.Run([centre, .. Whiten(centred, mask, stats, adv, ret, n, copyToReturns: true)]);
        AdvantageChecks.MaskSum(stats.AsSpan<float>()[2]);
        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <summary>masked_whiten(x, m)·m into <paramref name="y"/> (and <paramref name="returns"/> when asked).</summary>
    private static VulkanDispatch[] Whiten(
        VulkanBuffer x, VulkanBuffer mask, VulkanBuffer stats, VulkanBuffer y, VulkanBuffer returns, long n,
        bool copyToReturns)
    {
        var (ax, ay) = VulkanDispatch.Split((n + ElementWorkgroup - 1) / ElementWorkgroup);
        return
        [
            new("whiten_stats", [x, mask, stats], VulkanDispatch.Bytes((uint)n), 1),
            new("whiten_apply", [x, mask, stats, y, returns],
                VulkanDispatch.Bytes(new ApplyPush((uint)n, copyToReturns ? 1u : 0u)), ax, ay),
        ];
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ReturnsPush(uint Rows, uint Cols, float Gamma);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ApplyPush(uint N, uint CopyToReturns);
}
