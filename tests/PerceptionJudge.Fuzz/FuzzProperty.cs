namespace PerceptionJudge.Fuzz;

/// <summary>
/// The property every target must keep for every input: it ends in a value or in one of the target's user-error
/// exceptions with a non-empty message, within <see cref="TimeLimit"/>, allocating at most
/// <see cref="AllocationLimit"/> managed bytes. AFL++ and the CI replay check the same thing through
/// <see cref="Check"/>.
/// </summary>
public static class FuzzProperty
{
    /// <summary>
    /// The time one input may take before it counts as a hang. Generous, because CI shares its cores; the parsers
    /// finish a seed in milliseconds, so only a loop that does not end reaches it.
    /// </summary>
    public static TimeSpan TimeLimit { get; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Managed bytes one input may allocate: 64 MiB plus 256 per input byte. A parser that believes a declared
    /// length (a header saying 2^60 bytes) instead of the bytes it has breaks this long before it runs out of memory.
    /// </summary>
    public static long AllocationLimit(int inputLength) => (64L << 20) + 256L * inputLength;

    /// <summary>
    /// Runs <paramref name="target"/> on <paramref name="input"/> on the calling thread and returns null for a value or
    /// the user error's message; throws <see cref="FuzzPropertyException"/> for any other outcome except a hang,
    /// which <see cref="CheckBounded"/> adds.
    /// </summary>
    public static string? Check(FuzzTarget target, byte[] input)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        string? refusal = null;
        try
        {
            target.Run(input);
        }
        catch (Exception e) when (target.IsUserError(e))
        {
            if (string.IsNullOrWhiteSpace(e.Message))
            {
                throw new FuzzPropertyException($"{target.Name}: {e.GetType().Name} without a message", e);
            }
            refusal = e.Message;
        }
        catch (Exception e) when (e is not FuzzPropertyException)
        {
            throw new FuzzPropertyException(
                $"{target.Name}: {e.GetType().Name} is not a user error of this target: {e.Message}", e);
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        long limit = AllocationLimit(input.Length);
        if (allocated > limit)
        {
            throw new FuzzPropertyException(
                $"{target.Name}: allocated {allocated} bytes for a {input.Length}-byte input (limit {limit})");
        }
        return refusal;
    }

    /// <summary>
    /// <see cref="Check"/> on a worker thread, waiting at most <see cref="TimeLimit"/>; a longer run is a hang
    /// (the worker is left behind: .NET cannot abort it, and the failing test ends the process soon anyway).
    /// </summary>
    public static string? CheckBounded(FuzzTarget target, byte[] input)
    {
        var run = Task.Factory.StartNew(
            () => Check(target, input), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeLimit))
        {
            throw new FuzzPropertyException(
                $"{target.Name}: no result after {TimeLimit.TotalSeconds} s on a {input.Length}-byte input (hang)");
        }
        return run.GetAwaiter().GetResult();
    }
}
