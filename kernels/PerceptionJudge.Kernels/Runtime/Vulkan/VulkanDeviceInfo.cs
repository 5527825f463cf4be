namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>What <c>pjudge info</c> prints about the Vulkan device in use.</summary>
/// <param name="Index">Enumeration index (the value <c>PJ_VULKAN_DEVICE</c> takes).</param>
/// <param name="Name">The driver's device name.</param>
/// <param name="Type">Discrete, integrated, CPU (lavapipe), ...</param>
/// <param name="ApiVersion">Vulkan API version as "major.minor.patch".</param>
/// <param name="SubgroupSize">Invocations per subgroup.</param>
/// <param name="SubgroupArithmetic">Whether shaders use subgroup arithmetic (else shared-memory reductions).</param>
/// <param name="TimestampPeriodNs">Nanoseconds per timestamp tick (0: the queue has no timestamps).</param>
public sealed record VulkanDeviceInfo(
    int Index,
    string Name,
    VulkanDeviceType Type,
    string ApiVersion,
    uint SubgroupSize,
    bool SubgroupArithmetic,
    double TimestampPeriodNs)
{
    /// <summary>One line for <c>pjudge info</c>.</summary>
    public override string ToString() =>
        $"{Name} ({Type}, Vulkan {ApiVersion}, subgroup {SubgroupSize}"
        + $"{(SubgroupArithmetic ? "" : ", shared-memory reductions")}, device #{Index})";
}

/// <summary>GPU time of one dispatch, from timestamps written before and after it.</summary>
/// <param name="Shader">The shader's name.</param>
/// <param name="GpuNanoseconds">End minus start timestamp times <c>timestampPeriod</c>; NaN without timestamps.</param>
public readonly record struct DispatchTiming(string Shader, double GpuNanoseconds);
