using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// TRL <c>GRPOTrainer</c> advantages on Vulkan, one submission: for <c>scale_rewards="batch"</c>
/// <c>trl_batch_std.comp</c> first (one workgroup, the batch's unbiased std), then <c>trl_advantage.comp</c>
/// (the group means and stds in the same two layouts as grpo; a = (r − mean_g) / (std + 1e-4), or r − mean_g for
/// <c>"none"</c>). Float32 throughout; see <see cref="AdvantageReference.Trl"/> for the semantics.
/// </summary>
public sealed partial class AdvantageVulkan
{
    /// <inheritdoc/>
    public void Trl(ReadOnlySpan<float> rewards, GroupIndex index, TrlScaleRewards scale, Span<float> advantages)
    {
        AdvantageChecks.Trl(rewards, index, advantages);
        var context = Context;
        using var r = VulkanBuffer.From(context, rewards);
        using var offsets = VulkanBuffer.From(context, index.Offsets);
        using var members = VulkanBuffer.From(context, index.Members);
        using var stats = VulkanBuffer.Create(context, sizeof(float));
        using var adv = VulkanBuffer.Create(context, (long)advantages.Length * sizeof(float));
        var (perInvocation, x, y) = GroupLayout(index);
        var push = new TrlPush((uint)index.GroupCount, (uint)scale, (float)AdvantageChecks.TrlEpsilon,
            perInvocation ? 1u : 0u);
        var groups = new VulkanDispatch(
            "trl_advantage", [r, offsets, members, stats, adv], VulkanDispatch.Bytes(push), x, y);
        if (scale == TrlScaleRewards.Batch)
        {
            var batch = new VulkanDispatch(
                "trl_batch_std", [r, stats], VulkanDispatch.Bytes((uint)rewards.Length), 1);
            context.Run(batch, groups);
        }
        else
        {
            context.Run(groups);
        }

        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
    }

    /// <summary>The push constants of <c>trl_advantage.comp</c>; <c>Scale</c> is <see cref="TrlScaleRewards"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TrlPush(uint Groups, uint Scale, float Eps, uint PerInvocation);
}
