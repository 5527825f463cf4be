using PerceptionJudge.Distributed.Mpi;

namespace PerceptionJudge.Distributed.Tests;

/// <summary>
/// Skips a test with the reason when Open MPI (libmpi.so.40, or mpirun on PATH) is missing, and fails it instead on CI
/// (CI=true), which installs openmpi-bin and libopenmpi-dev: a missing MPI is never a silent skip there.
/// </summary>
internal static class MpiRequirement
{
    internal static void RequireLibrary()
    {
        if (!MpiNative.TryLoad(out var reason))
        {
            Missing(reason);
        }
    }

    /// <summary>The full path of mpirun, or a skip (a failure on CI) naming the packages.</summary>
    internal static string RequireMpirun()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "mpirun"))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            Missing($"mpirun is not on PATH; install Open MPI with `{MpiNative.InstallHint}`.");
        }
        return path!;
    }

    private static void Missing(string reason)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason);
        }
        Assert.Ignore(reason);
    }
}
