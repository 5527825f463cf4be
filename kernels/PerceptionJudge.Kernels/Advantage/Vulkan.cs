using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Advantages as GLSL compute shaders on the shared <see cref="VulkanContext"/>. Ported: <c>grpo</c>
/// (<c>grpo_outcome.comp</c>, float32: one invocation per group of ≤ 32 rows, else one workgroup per group; see the
/// shader for the formula). Every other estimator throws <see cref="NotSupportedException"/> naming it: the Vulkan
/// backend never falls back silently.
/// Inputs are checked on the host first, with the same errors as the other backends.
/// </summary>
public sealed class AdvantageVulkan : IAdvantageKernels
{
    private const string GrpoShader = "grpo_outcome";
    private const int WorkgroupSize = 64;
    private const int PerInvocationMaxGroup = 32;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public AdvantageVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The estimators this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } = ["grpo"];

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
        var (push, x, y) = GrpoLaunch(input.Cols, index, options);
        context.Run(new VulkanDispatch(
            GrpoShader, [rewards, mask, offsets, members, adv, ret], VulkanDispatch.Bytes(push), x, y));
        adv.AsSpan<float>()[..advantages.Length].CopyTo(advantages);
        ret.AsSpan<float>()[..returns.Length].CopyTo(returns);
    }

    /// <summary>
    /// Push constants and workgroup counts: groups of at most <see cref="PerInvocationMaxGroup"/> rows (verl's n
    /// rollouts per prompt) run one per invocation, 64 groups per workgroup; larger ones one per workgroup.
    /// </summary>
    internal static (GrpoPush Push, uint X, uint Y) GrpoLaunch(int cols, GroupIndex index, AdvantageOptions options)
    {
        int largest = 0;
        for (int g = 0; g < index.GroupCount; g++)
        {
            largest = Math.Max(largest, index.SizeOf(g));
        }

        bool perInvocation = largest <= PerInvocationMaxGroup;
        long workgroups = perInvocation ? (index.GroupCount + WorkgroupSize - 1) / WorkgroupSize : index.GroupCount;
        var (x, y) = VulkanDispatch.Split(workgroups);
        var push = new GrpoPush((uint)cols, (uint)index.GroupCount, options.Epsilon,
            options.NormAdvByStd ? 1u : 0u, perInvocation ? 1u : 0u);
        return (push, x, y);
    }

    /// <inheritdoc/>
    public void GrpoPassK(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options) =>
        throw NotPorted("grpo_passk");

    /// <inheritdoc/>
    public void Rloo(in AdvantageInput input, Span<float> advantages, Span<float> returns) => throw NotPorted("rloo");

    /// <inheritdoc/>
    public void Opo(in AdvantageInput input, Span<float> advantages, Span<float> returns) => throw NotPorted("opo");

    /// <inheritdoc/>
    public void Gpg(in AdvantageInput input, Span<float> advantages, Span<float> returns) => throw NotPorted("gpg");

    /// <inheritdoc/>
    public void ReinforcePlusPlus(in AdvantageInput input, Span<float> advantages, Span<float> returns, float gamma) =>
        throw NotPorted("reinforce_plus_plus");

    /// <inheritdoc/>
    public void ReinforcePlusPlusBaseline(in AdvantageInput input, Span<float> advantages, Span<float> returns) =>
        throw NotPorted("reinforce_plus_plus_baseline");

    /// <inheritdoc/>
    public void Remax(in AdvantageInput input, Span<float> advantages, Span<float> returns) =>
        throw NotPorted("remax");

    /// <inheritdoc/>
    public void Trl(ReadOnlySpan<float> rewards, GroupIndex index, TrlScaleRewards scale, Span<float> advantages) =>
        throw NotPorted("trl (scale_rewards)");

    private static NotSupportedException NotPorted(string estimator) =>
        new($"advantage estimator '{estimator}' is not ported to the Vulkan backend yet (ported: "
            + $"{string.Join(", ", Ported)}); use --backend cpu");

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct GrpoPush(uint Cols, uint Groups, float Eps, uint NormByStd, uint PerInvocation);
}
