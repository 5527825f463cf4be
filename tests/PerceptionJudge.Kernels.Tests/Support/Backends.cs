using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Tests.Support;

/// <summary>
/// Fixture sources: each abstract per-family fixture is bound to every backend with
/// <c>[TestFixtureSource(typeof(Backends), nameof(Backends.All))]</c>, so one test body runs on each. Families with
/// device kernels bind to <see cref="WithDevices"/>: the Vulkan and ILGPU instances always exist and skip, with the
/// reason, every test when their device did not open and each test whose kernel is not ported there
/// (<see cref="SkipUnlessRuns"/>).
/// </summary>
internal static class Backends
{
    /// <summary>The CPU-side backends (families with no device kernels).</summary>
    public static IEnumerable<Backend> All => [Backend.Reference, Backend.Cpu];

    /// <summary>Reference, Cpu and ILGPU (families with ILGPU kernels but no Vulkan shaders).</summary>
    public static IEnumerable<Backend> WithIlgpu => [Backend.Reference, Backend.Cpu, Backend.Ilgpu];

    /// <summary>Reference, Cpu, Vulkan and ILGPU, whether or not a device exists.</summary>
    public static IEnumerable<Backend> WithDevices => [Backend.Reference, Backend.Cpu, Backend.Vulkan, Backend.Ilgpu];

    /// <summary>
    /// The family's kernels for <paramref name="backend"/>; null for a device backend whose device did not open, and
    /// for ILGPU when <paramref name="onIlgpu"/> is false (the family has no ILGPU kernels): every test of that
    /// fixture instance is then skipped before it runs.
    /// </summary>
    public static T Bind<T>(Backend backend, Func<Backend, T> pick, bool onIlgpu = true)
        where T : class => backend switch
        {
            Backend.Vulkan when !VulkanRuntime.IsAvailable => null!,
            Backend.Ilgpu when !onIlgpu || !IlgpuRuntime.IsAvailable => null!,
            _ => pick(backend),
        };

    /// <summary>Most elements an ILGPU parity case runs on ILGPU's CPU accelerator (about 1 µs a thread).</summary>
    public const int IlgpuCpuBudget = 4096;

    /// <summary>
    /// Skips the current test on ILGPU's CPU accelerator when it needs more than <see cref="IlgpuCpuBudget"/>
    /// elements (the large cases exercise the Cpu backend's chunking and run on a CUDA device); every other backend
    /// and device runs it.
    /// </summary>
    public static void SkipAboveIlgpuCpuBudget(Backend backend, long elements)
    {
        if (backend == Backend.Ilgpu && IlgpuRuntime.IsAvailable && IlgpuRuntime.Shared.IsCpu
            && elements > IlgpuCpuBudget)
        {
            Assert.Ignore($"ILGPU's CPU accelerator: {elements} elements exceed the {IlgpuCpuBudget}-element parity "
                + "budget (about 1 µs a thread); the case runs on a CUDA device");
        }
    }

    /// <summary>
    /// Skips the current test (Assert.Ignore, so the reason is printed) on Vulkan or ILGPU when the device did not
    /// open or when the backend has not ported the test's kernel; Reference and Cpu run everything.
    /// </summary>
    public static void SkipUnlessRuns(Backend backend, Ported vulkan, Ported ilgpu)
    {
        var (name, available, reason, ported) = backend switch
        {
            Backend.Vulkan => ("Vulkan", VulkanRuntime.IsAvailable, VulkanRuntime.UnavailableReason, vulkan),
            Backend.Ilgpu => ("ILGPU", IlgpuRuntime.IsAvailable, IlgpuRuntime.UnavailableReason, ilgpu),
            _ => ("", true, null, Ported.All([])),
        };
        if (!available)
        {
            Assert.Ignore($"{name} tests skipped: {reason}");
        }

        if (!ported.Runs)
        {
            Assert.Ignore($"not ported to {name} yet; ported: {ported.List}");
        }
    }
}

/// <summary>Whether a device backend runs the current test, and what it has ported (named in the skip reason).
/// </summary>
internal readonly record struct Ported(bool Runs, string List)
{
    /// <summary>The family is ported: every test runs.</summary>
    public static Ported All(IEnumerable<string> ops) => new(true, string.Join(", ", ops));

    /// <summary>The test runs when <paramref name="runs"/>; <paramref name="ops"/> is what is ported.</summary>
    public static Ported Only(bool runs, IEnumerable<string> ops) => new(runs, string.Join(", ", ops));
}
