using PerceptionJudge.Distributed.Mpi;

namespace PerceptionJudge.Distributed;

/// <summary>Chooses the communicator from how the process was launched; runs a rank's work so it never hangs.</summary>
public static class Communicator
{
    /// <summary>
    /// An <see cref="MpiCommunicator"/> when this process was started by Open MPI's mpirun (the launcher sets
    /// <c>OMPI_COMM_WORLD_SIZE</c>, and PMIx launchers such as <c>srun --mpi=pmix</c> set <c>PMIX_RANK</c>); otherwise
    /// a <see cref="SingleProcessCommunicator"/>, without loading libmpi.
    /// </summary>
    public static ICommunicator Create() =>
        IsLaunchedByMpi(Environment.GetEnvironmentVariable) ? MpiCommunicator.Initialize()
            : new SingleProcessCommunicator();

    /// <summary>True when the environment shows an MPI launcher started this process.</summary>
    internal static bool IsLaunchedByMpi(Func<string, string?> environment) =>
        !string.IsNullOrEmpty(environment("OMPI_COMM_WORLD_SIZE")) || !string.IsNullOrEmpty(environment("PMIX_RANK"));

    /// <summary>
    /// Creates the communicator, runs <paramref name="rankMain"/> and disposes it (MPI_Finalize). If the body throws
    /// in a job of more than one rank, the exception is printed with this rank's number and the job is aborted
    /// (<see cref="ICommunicator.Abort"/>, exit code 1), so the other ranks never wait in a collective for a rank
    /// that is gone. With one rank the exception propagates unchanged.
    /// </summary>
    /// <returns>The body's exit code.</returns>
    public static int Run(Func<ICommunicator, int> rankMain)
    {
        // Create is inside the try so a failure to start (no libmpi) takes the same path as the body's errors: with
        // no communicator there is no job to abort, and the exception reaches the caller's error policy unchanged.
        ICommunicator? communicator = null;
        int exitCode;
        try
        {
            communicator = Create();
            exitCode = rankMain(communicator);
        }
        catch (Exception e) when (communicator is { Size: > 1 })
        {
            communicator.Abort(1, e.ToString());
            throw; // not reached: Abort ends the process
        }
        communicator.Dispose();
        return exitCode;
    }
}
