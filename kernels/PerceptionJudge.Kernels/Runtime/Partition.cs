namespace PerceptionJudge.Kernels.Runtime;

/// <summary>
/// Deterministic data parallelism: work is cut into fixed chunks that depend only on the size (never on the
/// thread count), so per-chunk partial results combined in chunk order give the same bits on any machine.
/// Small inputs run inline: a thread hand-off costs ~5 µs, so parallelism pays only above a few 100k elements.
/// </summary>
public static class Partition
{
    /// <summary>Elements below which a kernel runs on the calling thread.</summary>
    public const int SerialThreshold = 1 << 17;

    /// <summary>Number of chunks of <paramref name="chunk"/> elements covering <paramref name="length"/>.</summary>
    public static int ChunkCount(int length, int chunk) => (length + chunk - 1) / chunk;

    /// <summary>
    /// Runs <paramref name="body"/>(chunkIndex, start, end) over fixed chunks of <paramref name="chunk"/> elements,
    /// in parallel when <paramref name="length"/> is at least <see cref="SerialThreshold"/>.
    /// </summary>
    public static void For(int length, int chunk, Action<int, int, int> body)
    {
        int chunks = ChunkCount(length, chunk);
        if (length < SerialThreshold || chunks == 1 || Environment.ProcessorCount == 1)
        {
            for (int c = 0; c < chunks; c++)
            {
                body(c, c * chunk, Math.Min(length, (c + 1) * chunk));
            }

            return;
        }

        Parallel.For(0, chunks, c => body(c, c * chunk, Math.Min(length, (c + 1) * chunk)));
    }
}
