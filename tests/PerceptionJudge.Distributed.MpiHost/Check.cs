namespace PerceptionJudge.Distributed.MpiHost;

/// <summary>Assertions for code that runs outside NUnit (inside mpirun): a failed check throws with the rank.</summary>
internal static class Check
{
    internal static void That(bool condition, ICommunicator communicator, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"check failed on rank {communicator.Rank}: {what}");
        }
    }

    /// <summary>Element i must equal expected(i) exactly.</summary>
    internal static void Exact<T>(ReadOnlySpan<T> actual, Func<int, T> expected, ICommunicator communicator,
        string what)
        where T : IEquatable<T>
    {
        for (int i = 0; i < actual.Length; i++)
        {
            if (!actual[i].Equals(expected(i)))
            {
                That(false, communicator, $"{what}: element {i} is {actual[i]}, expected {expected(i)}");
            }
        }
    }
}
