using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Tests.Support;

/// <summary>
/// Fixture source: each abstract per-family fixture is bound to every available backend with
/// <c>[TestFixtureSource(typeof(Backends), nameof(Backends.All))]</c>, so one test body runs on each.
/// </summary>
internal static class Backends
{
    public static IEnumerable<Backend> All => KernelBackend.Available;
}
