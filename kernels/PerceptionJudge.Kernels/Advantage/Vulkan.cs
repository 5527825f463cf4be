using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Advantages as GLSL compute shaders on the shared <see cref="VulkanContext"/>, float32. Ported: <c>grpo</c>
/// (<c>grpo_outcome.comp</c>), <c>grpo_passk</c> (<c>grpo_passk.comp</c>), <c>rloo</c>, <c>opo</c> and <c>gpg</c>
/// (<c>group_baseline.comp</c>, gpg's batch factor from <c>gpg_alpha.comp</c> in the same submission), all as
/// segmented group reductions over the <see cref="GroupIndex"/> CSR layout (one invocation per group of ≤ 32 rows,
/// else one workgroup per group; see the shaders for the formulas), and <c>remax</c> (<c>remax.comp</c>, one
/// invocation per row), <c>reinforce_plus_plus</c> and <c>reinforce_plus_plus_baseline</c> (see
/// <c>VulkanWhiten.cs</c>), and TRL's <c>scale_rewards</c> advantages (<c>VulkanTrl.cs</c>). Inputs are checked on
/// the host first, with the same errors as the other backends.
/// </summary>
public sealed partial class AdvantageVulkan : IAdvantageKernels
{
    private const string GrpoShader = "grpo_outcome";
    private const string BaselineShader = "group_baseline";
    private const string GpgAlphaShader = "gpg_alpha";
    private const string RemaxShader = "remax";
    private const string PassKShader = "grpo_passk";
    private const int ElementWorkgroup = 256;
    private const int WorkgroupSize = 64;
    private const int PerInvocationMaxGroup = 32;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public AdvantageVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The estimators this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } =
        ["grpo", "grpo_passk", "rloo", "opo", "gpg", "remax", "reinforce_plus_plus", "reinforce_plus_plus_baseline"];

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

    /// <inheritdoc/>
    public void Grpo(in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var context = Context;
        var index = input.Index;
        using var rewards = VulkanBuffer.From(context, input.TokenLevelRewards);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var offsets = VulkanBuffer.From(context, index.Offsets);
        using var members = VulkanBuffer.From(context, index.Members);
        using var adv = VulkanBuffer.Create(context, (long)advantages.Length * sizeof(float));
        using var ret = VulkanBuffer.Create(context, (long)returns.Length * sizeof(float));
        context.Run(GrpoDispatch([rewards, mask, offsets, members, adv, ret], input.Cols, index, options));
        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <summary>The GRPO outcome dispatch over (rewards, mask, CSR offsets, CSR members, advantages, returns).
    /// </summary>
    internal static VulkanDispatch GrpoDispatch(
        VulkanBuffer[] buffers, int cols, GroupIndex index, AdvantageOptions options)
    {
        var (push, x, y) = GrpoLaunch(cols, index, options);
        return new VulkanDispatch(GrpoShader, buffers, VulkanDispatch.Bytes(push), x, y);
    }

    /// <summary>
    /// Push constants and workgroup counts: groups of at most <see cref="PerInvocationMaxGroup"/> rows (verl's n
    /// rollouts per prompt) run one per invocation, 64 groups per workgroup; larger ones one per workgroup.
    /// </summary>
    private static (GrpoPush Push, uint X, uint Y) GrpoLaunch(int cols, GroupIndex index, AdvantageOptions options)
    {
        var (perInvocation, x, y) = GroupLayout(index);
        var push = new GrpoPush((uint)cols, (uint)index.GroupCount, options.Epsilon,
            options.NormAdvByStd ? 1u : 0u, perInvocation ? 1u : 0u);
        return (push, x, y);
    }

    /// <summary>One invocation per group (64 groups per workgroup) when no group exceeds
    /// <see cref="PerInvocationMaxGroup"/> rows, else one workgroup per group.</summary>
    private static (bool PerInvocation, uint X, uint Y) GroupLayout(GroupIndex index)
    {
        int largest = 0;
        for (int g = 0; g < index.GroupCount; g++)
        {
            largest = Math.Max(largest, index.SizeOf(g));
        }

        bool perInvocation = largest <= PerInvocationMaxGroup;
        long workgroups = perInvocation ? (index.GroupCount + WorkgroupSize - 1) / WorkgroupSize : index.GroupCount;
        var (x, y) = VulkanDispatch.Split(workgroups);
        return (perInvocation, x, y);
    }

    /// <inheritdoc/>
    public void GrpoPassK(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            if (index.SizeOf(g) < 2)
            {
                throw AdvantageChecks.PassKGroupTooSmall(index, g);
            }
        }

        var context = Context;
        using var rewards = VulkanBuffer.From(context, input.TokenLevelRewards);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var offsets = VulkanBuffer.From(context, index.Offsets);
        using var members = VulkanBuffer.From(context, index.Members);
        using var adv = VulkanBuffer.Create(context, (long)advantages.Length * sizeof(float));
        using var ret = VulkanBuffer.Create(context, (long)returns.Length * sizeof(float));
        var (push, x, y) = GrpoLaunch(input.Cols, index, options);
        context.Run(new VulkanDispatch(
            PassKShader, [rewards, mask, offsets, members, adv, ret], VulkanDispatch.Bytes(push), x, y));
        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <inheritdoc/>
    public void Rloo(in AdvantageInput input, Span<float> advantages, Span<float> returns) =>
        GroupBaseline(input, advantages, returns, BaselineEstimator.Rloo);

    /// <inheritdoc/>
    public void Opo(in AdvantageInput input, Span<float> advantages, Span<float> returns) =>
        GroupBaseline(input, advantages, returns, BaselineEstimator.Opo);

    /// <inheritdoc/>
    public void Gpg(in AdvantageInput input, Span<float> advantages, Span<float> returns) =>
        GroupBaseline(input, advantages, returns, BaselineEstimator.Gpg);

    /// <inheritdoc/>
    public void Remax(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: true);
        var context = Context;
        using var rewards = VulkanBuffer.From(context, input.TokenLevelRewards);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var baselines = VulkanBuffer.From(context, input.RewardBaselines);
        using var adv = VulkanBuffer.Create(context, (long)advantages.Length * sizeof(float));
        using var ret = VulkanBuffer.Create(context, (long)returns.Length * sizeof(float));
        var (x, y) = VulkanDispatch.Split(((long)input.Rows + WorkgroupSize - 1) / WorkgroupSize);
        context.Run(new VulkanDispatch(RemaxShader, [rewards, mask, baselines, adv, ret],
            VulkanDispatch.Bytes(new SizePush((uint)input.Rows, (uint)input.Cols)), x, y));
        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <summary>rloo, opo or gpg through <c>group_baseline.comp</c> (gpg: <c>gpg_alpha.comp</c> first).</summary>
    private void GroupBaseline(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, BaselineEstimator estimator)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var context = Context;
        var index = input.Index;
        using var rewards = VulkanBuffer.From(context, input.TokenLevelRewards);
        using var mask = VulkanBuffer.From(context, input.ResponseMask);
        using var offsets = VulkanBuffer.From(context, index.Offsets);
        using var members = VulkanBuffer.From(context, index.Members);
        using var alpha = VulkanBuffer.Create(context, sizeof(float));
        using var adv = VulkanBuffer.Create(context, (long)advantages.Length * sizeof(float));
        using var ret = VulkanBuffer.Create(context, (long)returns.Length * sizeof(float));
        using var flags = VulkanBuffer.Create(context, (long)index.GroupCount * sizeof(uint));
        flags.AsSpan<uint>().Clear(); // device memory starts undefined; a set flag marks a zero-length group
        var (perInvocation, x, y) = GroupLayout(index);
        var push = new BaselinePush(
            (uint)input.Cols, (uint)index.GroupCount, (uint)estimator, perInvocation ? 1u : 0u);
        var group = new VulkanDispatch(BaselineShader, [rewards, mask, offsets, members, alpha, adv, ret, flags],
            VulkanDispatch.Bytes(push), x, y);
        if (estimator == BaselineEstimator.Gpg)
        {
            var sizes = VulkanDispatch.Bytes(new SizePush((uint)input.Rows, (uint)input.Cols));
            context.Run(new VulkanDispatch(GpgAlphaShader, [rewards, alpha], sizes, 1), group);
        }
        else
        {
            context.Run(group);
        }

        int bad = flags.AsSpan<uint>()[..index.GroupCount].IndexOf(1u);
        if (bad >= 0)
        {
            throw AdvantageChecks.ZeroLengthGroup(index, bad);
        }

        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <summary>The <c>estimator</c> push constant of <c>group_baseline.comp</c>.</summary>
    private enum BaselineEstimator : uint
    {
        Rloo = 0,
        Opo = 1,
        Gpg = 2,
        Centre = 3,
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct BaselinePush(uint Cols, uint Groups, uint Estimator, uint PerInvocation);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct SizePush(uint Rows, uint Cols);

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct GrpoPush(uint Cols, uint Groups, float Eps, uint NormByStd, uint PerInvocation);
}
