using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Tests.Support;

/// <summary>
/// Fixture sources: each abstract per-family fixture is bound to every backend with
/// <c>[TestFixtureSource(typeof(Backends), nameof(Backends.All))]</c>, so one test body runs on each. Families with
/// GLSL kernels bind to <see cref="WithVulkan"/>: the Vulkan instance always exists and skips, with the reason, every
/// test when no device opened and each test whose kernel is not ported yet (<see cref="SkipUnlessVulkanRuns"/>).
/// </summary>
internal static class Backends
{
    /// <summary>The CPU-side backends (families not ported to Vulkan).</summary>
    public static IEnumerable<Backend> All => KernelBackend.Available.Where(b => b != Backend.Vulkan);

    /// <summary>Reference, Cpu and Vulkan, whether or not a Vulkan device exists.</summary>
    public static IEnumerable<Backend> WithVulkan => [Backend.Reference, Backend.Cpu, Backend.Vulkan];

    /// <summary>The family's kernels for <paramref name="backend"/>; null for Vulkan without a device (every test of
    /// that fixture instance is then skipped before it runs).</summary>
    public static T Bind<T>(Backend backend, Func<Backend, T> pick)
        where T : class =>
        backend == Backend.Vulkan && !VulkanRuntime.IsAvailable ? null! : pick(backend);

    /// <summary>
    /// Skips the current test on Vulkan (Assert.Ignore, so the reason is printed) when no device opened or when
    /// <paramref name="ported"/> is false for it; other backends run everything.
    /// </summary>
    public static void SkipUnlessVulkanRuns(Backend backend, bool ported, string portedList)
    {
        if (backend != Backend.Vulkan)
        {
            return;
        }

        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        if (!ported)
        {
            Assert.Ignore($"not ported to Vulkan yet; ported: {portedList}");
        }
    }
}
