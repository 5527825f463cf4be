using System.Diagnostics.CodeAnalysis;

namespace PerceptionJudge.Distributed.Tests;

/// <summary>
/// K ranks holding identical data, simulated in one process: a sum over ranks adds the value K times in rank order
/// (what MPI computes when every rank passes the same buffer), a gather repeats this rank's values. It records each
/// all-reduce's length. <see cref="CorruptRank"/> makes that rank's gathered values differ, to simulate a rank with
/// another layout.
/// </summary>
internal sealed class ReplicatedCommunicator(int size) : ICommunicator
{
    public List<int> ReducedLengths { get; } = [];

    public int CorruptRank { get; init; } = -1;

    public int Rank => 0;

    public int Size => size;

    public string Backend => "replicated";

    public void Barrier()
    {
    }

    public void AllReduceSum(Span<float> values)
    {
        ReducedLengths.Add(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            float sum = values[i];
            for (int r = 1; r < size; r++)
            {
                sum += values[i];
            }
            values[i] = sum;
        }
    }

    public void AllReduceSum(Span<double> values) => throw new NotSupportedException();

    public void AllReduce(Span<double> statistics, ReduceOp op) => throw new NotSupportedException();

    public void Broadcast(Span<byte> buffer, int root) => throw new NotSupportedException();

    public void Broadcast(Span<float> buffer, int root) => throw new NotSupportedException();

    public void AllGather(ReadOnlySpan<int> mine, Span<int> all)
    {
        for (int r = 0; r < size; r++)
        {
            mine.CopyTo(all.Slice(r * mine.Length, mine.Length));
        }
        if (CorruptRank >= 0)
        {
            all[CorruptRank * mine.Length] += 1;
        }
    }

    public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => throw new NotSupportedException();

    [DoesNotReturn]
    public void Abort(int exitCode, string reason) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
