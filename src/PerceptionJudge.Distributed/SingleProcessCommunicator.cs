using System.Diagnostics.CodeAnalysis;

namespace PerceptionJudge.Distributed;

/// <summary>
/// The communicator of a job of one process (K = 1): every collective is the identity (a sum, max or min over one
/// rank is the value itself; a broadcast from rank 0 leaves the buffer; a gather copies). What
/// <see cref="Communicator.Create"/> returns when the process was not launched by mpirun.
/// </summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int Size => 1;

    /// <inheritdoc/>
    public string Backend => "single";

    /// <inheritdoc/>
    public void Barrier()
    {
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<double> values)
    {
    }

    /// <inheritdoc/>
    public void AllReduce(Span<double> statistics, ReduceOp op) => CollectiveChecks.Op(op);

    /// <inheritdoc/>
    public void Broadcast(Span<byte> buffer, int root) => CollectiveChecks.Root(root, Size, "Broadcast");

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer, int root) => CollectiveChecks.Root(root, Size, "Broadcast");

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<int> mine, Span<int> all)
    {
        CollectiveChecks.Gathered(mine.Length, all.Length, Size, "AllGather");
        mine.CopyTo(all);
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> mine, Span<double> all)
    {
        CollectiveChecks.Gathered(mine.Length, all.Length, Size, "AllGather");
        mine.CopyTo(all);
    }

    /// <inheritdoc/>
    [DoesNotReturn]
    public void Abort(int exitCode, string reason)
    {
        Console.Error.WriteLine($"rank 0 of 1 aborting: {reason}");
        Console.Error.Flush();
        Environment.Exit(exitCode);
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }
}
