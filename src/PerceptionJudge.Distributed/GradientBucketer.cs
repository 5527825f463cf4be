using System.Numerics.Tensors;
using System.Text;

namespace PerceptionJudge.Distributed;

/// <summary>
/// Averages many gradients across ranks with few collectives, as PyTorch DistributedDataParallel does: the tensors
/// are packed, in ordinal name order, into contiguous buckets of at most <see cref="BucketBytes"/> (default 25 MiB,
/// DDP's <c>bucket_cap_mb</c>), and each bucket is reduced with one all-reduce.
/// <para>
/// Mean semantics follow DDP's default communication hook (torch <c>ddp_comm_hooks/default_hooks.py</c>,
/// <c>allreduce_hook</c>): each rank scales its bucket by 1/K, the buckets are summed, so
/// g ← Σ_r (g_r · (1/K)). A tensor is never split: one larger than the bucket size gets a bucket of its own.
/// Unlike DDP (reverse registration order, to overlap with backward), the order is by name, so it does not depend
/// on how the caller enumerates its tensors.
/// </para>
/// <para>
/// The layout (names and lengths) is checked across ranks at construction (an all-gather of its fingerprint), so
/// ranks that registered different adapters fail at once with a <see cref="DistributedException"/> on every rank
/// instead of exchanging mismatched buffers.
/// </para>
/// </summary>
public sealed class GradientBucketer
{
    /// <summary>25 MiB, PyTorch DDP's default <c>bucket_cap_mb</c>.</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    private readonly ICommunicator _communicator;
    private readonly float[] _buffer;

    /// <summary>Plans the buckets and checks that every rank planned the same ones (a collective).</summary>
    /// <param name="communicator">The ranks to average over.</param>
    /// <param name="lengths">Each gradient's name and float element count; names are unique.</param>
    /// <param name="bucketBytes">Bucket capacity in bytes, 4 B … 2 GiB.</param>
    public GradientBucketer(
        ICommunicator communicator, IEnumerable<KeyValuePair<string, int>> lengths,
        long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(lengths);
        if (bucketBytes < sizeof(float) || bucketBytes > (1L << 31))
        {
            throw new ArgumentOutOfRangeException(
                nameof(bucketBytes), bucketBytes, "the bucket size must be between 4 bytes and 2 GiB.");
        }
        _communicator = communicator;
        BucketBytes = bucketBytes;
        var sorted = Validate(lengths);
        Buckets = Plan(sorted, (int)(bucketBytes / sizeof(float)));
        TotalElements = sorted.Sum(t => (long)t.Value);
        _buffer = new float[Buckets.Count == 0 ? 0 : Buckets.Max(b => b.Length)];
        CheckSameLayoutOnEveryRank(sorted);
    }

    /// <summary>The bucket capacity in bytes.</summary>
    public long BucketBytes { get; }

    /// <summary>The buckets in reduction order.</summary>
    public IReadOnlyList<GradientBucket> Buckets { get; }

    /// <summary>Total float elements over every gradient.</summary>
    public long TotalElements { get; }

    /// <summary>
    /// Replaces every registered gradient by its mean over ranks, g ← Σ_r g_r / K, bucket by bucket (a collective:
    /// every rank calls it once per step). With one rank the gradients are left as they are.
    /// </summary>
    /// <param name="gradients">Gives each registered name's span of this rank's gradient (registered length).</param>
    public void AllReduceMean(GradientAccessor gradients) => Reduce(gradients, 1f / _communicator.Size);

    /// <summary>
    /// Replaces every registered gradient by its sum over ranks, g ← Σ_r g_r (a collective, as
    /// <see cref="AllReduceMean"/>): for callers whose per-rank losses are already divided by a global normaliser,
    /// so the ranks' gradients add up to the gradient of the whole batch (verl's global token-mean; DDP's mean hook
    /// would need the loss multiplied by K first).
    /// </summary>
    /// <param name="gradients">Gives each registered name's span of this rank's gradient (registered length).</param>
    public void AllReduceSum(GradientAccessor gradients) => Reduce(gradients, 1f);

    private void Reduce(GradientAccessor gradients, float scale)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        int size = _communicator.Size;
        foreach (var bucket in Buckets)
        {
            var packed = _buffer.AsSpan(0, bucket.Length);
            foreach (var entry in bucket.Entries)
            {
                var gradient = Checked(gradients, entry);
                if (size > 1)
                {
                    var slot = packed.Slice(entry.Offset, entry.Length);
                    if (scale == 1f)
                    {
                        gradient.CopyTo(slot);
                    }
                    else
                    {
                        TensorPrimitives.Multiply(gradient, scale, slot);
                    }
                }
            }
            if (size == 1)
            {
                continue; // the sum or mean over one rank is the gradient itself
            }
            _communicator.AllReduceSum(packed);
            foreach (var entry in bucket.Entries)
            {
                packed.Slice(entry.Offset, entry.Length).CopyTo(gradients(entry.Name));
            }
        }
    }

    private static Span<float> Checked(GradientAccessor gradients, BucketEntry entry)
    {
        var gradient = gradients(entry.Name);
        if (gradient.Length != entry.Length)
        {
            throw new DistributedException(
                $"gradient '{entry.Name}' has {gradient.Length} elements but {entry.Length} were registered with the " +
                "GradientBucketer; register the adapter's current shapes (rebuild the bucketer after changing them).");
        }
        return gradient;
    }

    private static List<KeyValuePair<string, int>> Validate(IEnumerable<KeyValuePair<string, int>> lengths)
    {
        var sorted = lengths.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            var (name, length) = (sorted[i].Key, sorted[i].Value);
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("a gradient has an empty name; every gradient needs a unique name.",
                    nameof(lengths));
            }
            if (length < 0)
            {
                throw new ArgumentException($"gradient '{name}' has a negative length ({length}).", nameof(lengths));
            }
            if (i > 0 && sorted[i - 1].Key == name)
            {
                throw new ArgumentException($"gradient '{name}' is registered twice; names must be unique.",
                    nameof(lengths));
            }
        }
        return sorted;
    }

    /// <summary>Greedy packing in name order: a tensor joins the open bucket if it fits, else opens a new one.</summary>
    private static List<GradientBucket> Plan(List<KeyValuePair<string, int>> sorted, int capacity)
    {
        var buckets = new List<GradientBucket>();
        var open = new List<BucketEntry>();
        int used = 0;
        foreach (var (name, length) in sorted)
        {
            if (open.Count > 0 && (long)used + length > capacity)
            {
                buckets.Add(new GradientBucket(buckets.Count, open, used));
                open = [];
                used = 0;
            }
            open.Add(new BucketEntry(name, used, length));
            used = checked(used + length);
        }
        if (open.Count > 0)
        {
            buckets.Add(new GradientBucket(buckets.Count, open, used));
        }
        return buckets;
    }

    /// <summary>All-gathers (count, FNV-1a 64 of names and lengths); throws on every rank if any rank differs.</summary>
    private void CheckSameLayoutOnEveryRank(List<KeyValuePair<string, int>> sorted)
    {
        if (_communicator.Size == 1)
        {
            return;
        }
        ulong hash = 14695981039346656037UL;
        foreach (var (name, length) in sorted)
        {
            foreach (byte b in Encoding.UTF8.GetBytes(name))
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
            foreach (byte b in BitConverter.GetBytes(length))
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
        }
        ReadOnlySpan<int> mine = [sorted.Count, (int)hash, (int)(hash >> 32)];
        var all = new int[mine.Length * _communicator.Size];
        _communicator.AllGather(mine, all);
        for (int rank = 1; rank < _communicator.Size; rank++)
        {
            if (!all.AsSpan(rank * 3, 3).SequenceEqual(all.AsSpan(0, 3)))
            {
                throw new DistributedException(
                    $"gradient layouts differ across ranks: rank {rank} registered {all[rank * 3]} gradients and " +
                    $"rank 0 {all[0]} (or the same count with other names or lengths); every rank must register " +
                    $"the same names and lengths (this is rank {_communicator.Rank}).");
            }
        }
    }
}
