namespace PerceptionJudge.Distributed;

/// <summary>One tensor's place in a bucket: its elements are bucket[Offset … Offset + Length − 1].</summary>
/// <param name="Name">The gradient's name (for example a LoRA adapter's PEFT key).</param>
/// <param name="Offset">First element in the bucket.</param>
/// <param name="Length">Number of float elements.</param>
public readonly record struct BucketEntry(string Name, int Offset, int Length);

/// <summary>A contiguous buffer of several gradients, all-reduced by one collective.</summary>
/// <param name="Index">Position in the reduction order.</param>
/// <param name="Entries">The gradients it holds, in name order, packed without gaps.</param>
/// <param name="Length">Total float elements (the sum of the entries' lengths).</param>
public sealed record GradientBucket(int Index, IReadOnlyList<BucketEntry> Entries, int Length);

/// <summary>
/// Returns the gradient named <paramref name="name"/> as a writable span of this rank's values (it may be asked for
/// the same name more than once per call: once to read, once to write the mean back).
/// </summary>
/// <param name="name">A name registered with the <see cref="GradientBucketer"/>.</param>
public delegate Span<float> GradientAccessor(string name);
