namespace PerceptionJudge.Training.Samples;

/// <summary>
/// Draws training samples epoch by epoch in a seeded shuffled order (without replacement within an epoch). Its
/// whole state is (seed, epoch, position), so a checkpoint restores the exact stream.
/// </summary>
public sealed class PromptSampler
{
    private readonly IReadOnlyList<JudgeSample> _samples;
    private readonly ulong _seed;
    private int[] _order;

    /// <summary>Starts at <paramref name="epoch"/>, <paramref name="position"/> (0, 0 for a new run).</summary>
    public PromptSampler(IReadOnlyList<JudgeSample> samples, ulong seed, int epoch = 0, int position = 0)
    {
        if (samples.Count == 0)
        {
            throw new TrainingException("no training samples to draw from");
        }

        _samples = samples;
        _seed = seed;
        Epoch = epoch;
        Position = position;
        _order = Order(epoch);
    }

    /// <summary>Completed passes over the samples.</summary>
    public int Epoch { get; private set; }

    /// <summary>Samples drawn in the current epoch.</summary>
    public int Position { get; private set; }

    /// <summary>The next <paramref name="count"/> samples.</summary>
    public List<JudgeSample> Next(int count)
    {
        var batch = new List<JudgeSample>(count);
        while (batch.Count < count)
        {
            if (Position == _order.Length)
            {
                Epoch++;
                Position = 0;
                _order = Order(Epoch);
            }

            batch.Add(_samples[_order[Position++]]);
        }

        return batch;
    }

    private int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, _samples.Count).ToArray();
        new Random(unchecked((int)(_seed ^ (_seed >> 32)) + epoch * 7919)).Shuffle(order);
        return order;
    }
}
