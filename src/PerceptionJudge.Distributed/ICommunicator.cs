using System.Diagnostics.CodeAnalysis;

namespace PerceptionJudge.Distributed;

/// <summary>
/// A group of <see cref="Size"/> processes (ranks 0 … K−1) running the same program on different data, and the
/// collectives data-parallel training needs. Every collective is blocking and must be called by every rank in the same
/// order with the same element counts (MPI semantics); buffers are host memory and are reduced in place.
/// <para>
/// Implementations: <see cref="SingleProcessCommunicator"/> (K = 1, identity) and <see cref="Mpi.MpiCommunicator"/>
/// (Open MPI). A device backend (NCCL) fits behind the same interface: its collectives take host spans here, so a
/// NCCL implementation either stages them through device buffers or adds device-buffer overloads beside these; the
/// contract that matters to callers is the same (blocking, in place, identical order on every rank, every rank gets
/// bit-identical results).
/// </para>
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 ≤ Rank &lt; Size.</summary>
    int Rank { get; }

    /// <summary>The number of processes K.</summary>
    int Size { get; }

    /// <summary>A short name for logs: "single" or "mpi".</summary>
    string Backend { get; }

    /// <summary>Returns on every rank once every rank has entered it.</summary>
    void Barrier();

    /// <summary>values[i] ← Σ_ranks values[i], in place; every rank gets the same bits.</summary>
    void AllReduceSum(Span<float> values);

    /// <summary>values[i] ← Σ_ranks values[i], in place; every rank gets the same bits.</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>
    /// statistics[i] ← op over ranks of statistics[i], in place: for a handful of per-step numbers (loss sums,
    /// token counts, max |g|), not for large buffers (use <see cref="AllReduceSum(Span{double})"/>).
    /// </summary>
    void AllReduce(Span<double> statistics, ReduceOp op);

    /// <summary>Copies <paramref name="buffer"/> of rank <paramref name="root"/> into every rank's buffer.</summary>
    void Broadcast(Span<byte> buffer, int root);

    /// <summary>Copies <paramref name="buffer"/> of rank <paramref name="root"/> into every rank's buffer.</summary>
    void Broadcast(Span<float> buffer, int root);

    /// <summary>
    /// all[r·n … r·n + n − 1] ← rank r's <paramref name="mine"/> (n = mine.Length, the same on every rank);
    /// <paramref name="all"/> holds Size·n values.
    /// </summary>
    void AllGather(ReadOnlySpan<int> mine, Span<int> all);

    /// <summary>As <see cref="AllGather(ReadOnlySpan{int}, Span{int})"/>, for doubles.</summary>
    void AllGather(ReadOnlySpan<double> mine, Span<double> all);

    /// <summary>
    /// Ends the whole job now with <paramref name="exitCode"/> (never returns, never waits for the other ranks):
    /// prints "rank R of K aborting: reason" to standard error first. Use it when this rank cannot go on, so the
    /// others do not wait forever in their next collective.
    /// </summary>
    [DoesNotReturn]
    void Abort(int exitCode, string reason);
}
