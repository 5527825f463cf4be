using System.Runtime.InteropServices;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// The STREAM triad <c>a = b + s·c</c> on the device (<c>triad.comp</c>, one vec4 per invocation): the memory
/// bandwidth roof that Vulkan kernel timings are compared against. Moves 12 B per float (STREAM's count: two reads
/// and one write, no write-allocate).
/// </summary>
internal static class VulkanTriad
{
    private const int WorkgroupSize = 256;

    /// <summary>The dispatch over (a, b, c) of <paramref name="floats"/> floats each (a multiple of 4).</summary>
    public static VulkanDispatch Dispatch(VulkanBuffer a, VulkanBuffer b, VulkanBuffer c, long floats, float s)
    {
        if (floats % 4 != 0 || floats / 4 > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(floats), floats, "a multiple of 4 below 2^34");
        }

        long vectors = floats / 4;
        var (x, y) = VulkanDispatch.Split((vectors + WorkgroupSize - 1) / WorkgroupSize);
        return new VulkanDispatch("triad", [a, b, c], VulkanDispatch.Bytes(new Push((uint)vectors, s)), x, y);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Push(uint Count, float S);
}
