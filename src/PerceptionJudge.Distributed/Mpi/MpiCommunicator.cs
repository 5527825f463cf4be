using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace PerceptionJudge.Distributed.Mpi;

/// <summary>
/// <see cref="ICommunicator"/> over Open MPI's MPI_COMM_WORLD (libmpi.so.40, <see cref="MpiNative"/>). Created by
/// <see cref="Communicator.Create"/> when the process runs under mpirun; disposing it calls MPI_Finalize.
/// <list type="bullet">
/// <item>Errors: MPI_ERRORS_RETURN is set on the world communicator, so a failed call returns its code and becomes a
/// <see cref="DistributedException"/> with MPI_Error_string's text and the rank, instead of Open MPI's default
/// abort.</item>
/// <item>Threads: MPI_THREAD_SERIALIZED; calls take a lock, so any thread may call, one at a time.</item>
/// <item>Counts: MPI counts are <c>int</c>; buffers longer than <see cref="MaxCountPerCall"/> elements are reduced in
/// consecutive chunks (the same on every rank, so results do not change).</item>
/// </list>
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly MpiSessionHandle _session;
    private readonly MpiNative.Handles _mpi;
    private readonly object _gate = new();

    private MpiCommunicator(MpiSessionHandle session, MpiNative.Handles mpi, int rank, int size)
    {
        _session = session;
        _mpi = mpi;
        Rank = rank;
        Size = size;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public string Backend => "mpi";

    /// <summary>The thread support level MPI_Init_thread provided (2 = serialized, 3 = multiple).</summary>
    public int ThreadLevel => _session.ThreadLevel;

    /// <summary>Largest element count passed to one MPI call; longer buffers go in chunks. Tests lower it.</summary>
    internal int MaxCountPerCall { get; set; } = 1 << 30;

    /// <summary>
    /// MPI_Init_thread, then MPI_ERRORS_RETURN on MPI_COMM_WORLD, rank and size. Once per process; throws a
    /// <see cref="DistributedException"/> when libmpi is missing (naming the Debian packages) or init fails.
    /// </summary>
    public static MpiCommunicator Initialize()
    {
        var mpi = MpiNative.Predefined;
        var session = MpiSessionHandle.Open();
        try
        {
            Check(MpiNative.MPI_Comm_set_errhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler", -1);
            Check(MpiNative.MPI_Comm_rank(mpi.CommWorld, out int rank), "MPI_Comm_rank", -1);
            Check(MpiNative.MPI_Comm_size(mpi.CommWorld, out int size), "MPI_Comm_size", rank);
            return new MpiCommunicator(session, mpi, rank, size);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        lock (_gate)
        {
            Check(MpiNative.MPI_Barrier(_mpi.CommWorld), "MPI_Barrier", Rank);
        }
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values) => AllReduceInPlace(values, _mpi.Float, _mpi.OpSum);

    /// <inheritdoc/>
    public void AllReduceSum(Span<double> values) => AllReduceInPlace(values, _mpi.Double, _mpi.OpSum);

    /// <inheritdoc/>
    public void AllReduce(Span<double> statistics, ReduceOp op)
    {
        CollectiveChecks.Op(op);
        nint mpiOp = op switch
        {
            ReduceOp.Sum => _mpi.OpSum,
            ReduceOp.Max => _mpi.OpMax,
            _ => _mpi.OpMin,
        };
        AllReduceInPlace(statistics, _mpi.Double, mpiOp);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> buffer, int root)
    {
        CollectiveChecks.Root(root, Size, "Broadcast");
        BroadcastChunks(buffer, _mpi.Byte, root);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer, int root)
    {
        CollectiveChecks.Root(root, Size, "Broadcast");
        BroadcastChunks(buffer, _mpi.Float, root);
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<int> mine, Span<int> all) => AllGatherOf(mine, all, _mpi.Int);

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => AllGatherOf(mine, all, _mpi.Double);

    /// <inheritdoc/>
    [DoesNotReturn]
    public void Abort(int exitCode, string reason)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"rank {Rank} of {Size} aborting: {reason}");
        Console.Error.Flush();
        // MPI_Abort does not return: Open MPI's launcher kills every process of the job and exits with exitCode.
        // No lock: another thread of this rank may be blocked inside a collective.
        _ = MpiNative.MPI_Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);
    }

    /// <summary>
    /// MPI_Finalize. Every rank must dispose (<see cref="Communicator.Run"/> does): Open MPI treats a rank that exits
    /// without MPI_Finalize as failed and ends the job with a non-zero exit.
    /// </summary>
    public void Dispose() => _session.Dispose();

    private void AllReduceInPlace<T>(Span<T> values, nint datatype, nint op)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        lock (_gate)
        {
            fixed (T* start = values)
            {
                for (long offset = 0; offset < values.Length; offset += MaxCountPerCall)
                {
                    int count = (int)Math.Min(MaxCountPerCall, values.Length - offset);
                    Check(MpiNative.MPI_Allreduce((void*)MpiNative.InPlace, start + offset, count, datatype, op,
                        _mpi.CommWorld), "MPI_Allreduce", Rank);
                }
            }
        }
    }

    private void BroadcastChunks<T>(Span<T> buffer, nint datatype, int root)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        lock (_gate)
        {
            fixed (T* start = buffer)
            {
                for (long offset = 0; offset < buffer.Length; offset += MaxCountPerCall)
                {
                    int count = (int)Math.Min(MaxCountPerCall, buffer.Length - offset);
                    Check(MpiNative.MPI_Bcast(start + offset, count, datatype, root, _mpi.CommWorld), "MPI_Bcast",
                        Rank);
                }
            }
        }
    }

    private void AllGatherOf<T>(ReadOnlySpan<T> mine, Span<T> all, nint datatype)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        CollectiveChecks.Gathered(mine.Length, all.Length, Size, "AllGather");
        lock (_gate)
        {
            fixed (T* send = mine)
            fixed (T* receive = all)
            {
                Check(MpiNative.MPI_Allgather(send, mine.Length, datatype, receive, mine.Length, datatype,
                    _mpi.CommWorld), "MPI_Allgather", Rank);
            }
        }
    }

    /// <summary>Turns an MPI error code into a <see cref="DistributedException"/> with MPI_Error_string.</summary>
    internal static void Check(int status, string operation, int rank)
    {
        if (status == MpiNative.Success)
        {
            return;
        }
        byte* text = stackalloc byte[MpiNative.MaxErrorString];
        string message = MpiNative.MPI_Error_string(status, text, out int length) == MpiNative.Success
            ? Marshal.PtrToStringUTF8((nint)text, length)
            : "unknown MPI error";
        string where = rank >= 0 ? $" on rank {rank}" : "";
        throw new DistributedException($"{operation} failed{where}: {message} (MPI error {status}).", status);
    }
}
