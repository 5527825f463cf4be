using System.CommandLine;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Cli;

/// <summary>
/// <c>--threads N</c> on the commands that train or benchmark: the process's one thread policy, applied once before
/// any work through <see cref="LibTorch.SetThreads"/> (libtorch's intra-op OpenMP pool, which its BLAS uses too,
/// and its inter-op pool). 0 leaves libtorch's default (one thread per core).
/// </summary>
internal static class ThreadPolicy
{
    /// <summary>
    /// The demo's and pretraining's default: one thread, so the result is the same bits on any machine (a split
    /// reduction's order depends on the thread count), and no thread waits at a barrier for a descheduled sibling on a
    /// busy box (measured on the shim: a judgment SFT step took 0.94 s with 2 + 2 threads beside other work, 0.2 s
    /// alone). The Nano model's steps are too small to gain from more threads.
    /// </summary>
    public const int Deterministic = 1;

    /// <summary>libtorch's own default: one intra-op thread per core.</summary>
    public const int LibTorchDefault = 0;

    public static Option<int> Create(int defaultThreads) => new("--threads")
    {
        Description = "libtorch threads for the whole process (intra-op, its BLAS, inter-op); 0: one per core" +
            $" (default {defaultThreads})",
        DefaultValueFactory = _ => defaultThreads,
    };

    /// <summary>Applies the parsed <c>--threads</c>; also exported as OMP_NUM_THREADS for child processes
    /// (BenchmarkDotNet's out-of-process jobs).</summary>
    public static void Apply(ParseResult parse, Option<int> option)
    {
        int threads = parse.GetValue(option);
        if (threads < 0)
        {
            throw new CliInputException("--threads", $"must be 0 (one per core) or more, got {threads}");
        }

        if (threads > 0)
        {
            LibTorch.SetThreads(threads);
            Environment.SetEnvironmentVariable("OMP_NUM_THREADS",
                threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
