using System.Runtime.InteropServices;

namespace PerceptionJudge.Distributed.Mpi;

/// <summary>
/// The lifetime of the process's MPI environment as a <see cref="SafeHandle"/>: created by MPI_Init_thread, released
/// by MPI_Finalize. Disposing it (through <see cref="MpiCommunicator.Dispose"/>) finalizes deterministically; the
/// finalizer is only the safety net. MPI allows one init per process and no init after finalize, so a second
/// <see cref="Open"/> throws.
/// </summary>
internal sealed class MpiSessionHandle : SafeHandle
{
    private static int s_opened;

    internal MpiSessionHandle()
        : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The thread level MPI provided (MPI_THREAD_SERIALIZED = 2 was asked for).</summary>
    internal int ThreadLevel { get; private set; }

    /// <summary>MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED) once per process.</summary>
    internal static MpiSessionHandle Open()
    {
        MpiNative.EnsureLoaded();
        if (Interlocked.Exchange(ref s_opened, 1) == 1)
        {
            throw new DistributedException(
                "MPI was already initialized in this process: create one MpiCommunicator (Communicator.Create) and " +
                "share it; MPI allows one MPI_Init per process and none after MPI_Finalize.");
        }
        MpiNative.MPI_Initialized(out int initialized);
        if (initialized != 0)
        {
            throw new DistributedException("MPI was initialized outside PerceptionJudge.Distributed in this process.");
        }
        var session = new MpiSessionHandle();
        int status = MpiNative.MPI_Init_thread(0, 0, MpiNative.ThreadSerialized, out int provided);
        if (status != MpiNative.Success)
        {
            // Before a successful init MPI_Error_string may not be usable; the launcher prints its own diagnosis.
            throw new DistributedException(
                $"MPI_Init_thread failed with error {status}: the process was not started by a working mpirun " +
                "(run it as `mpirun -np K ...`, see docs/distributed.md).", status);
        }
        session.SetHandle(1);
        session.ThreadLevel = provided;
        if (provided < MpiNative.ThreadSerialized)
        {
            session.Dispose();
            throw new DistributedException(
                $"this Open MPI provides thread level {provided}, below MPI_THREAD_SERIALIZED (2) which the trainer " +
                "needs (collectives may come from any thread, one at a time); install the Debian build " +
                $"(`{MpiNative.InstallHint}`).");
        }
        return session;
    }

    /// <summary>MPI_Finalize, unless MPI was finalized (or aborted) already.</summary>
    protected override bool ReleaseHandle()
    {
        MpiNative.MPI_Finalized(out int finalized);
        return finalized != 0 || MpiNative.MPI_Finalize() == MpiNative.Success;
    }
}
