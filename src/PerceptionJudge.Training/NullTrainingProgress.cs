namespace PerceptionJudge.Training;

/// <summary>An <see cref="ITrainingProgress"/> that shows nothing.</summary>
public sealed class NullTrainingProgress : ITrainingProgress
{
    /// <summary>The one instance.</summary>
    public static readonly NullTrainingProgress Instance = new();

    private NullTrainingProgress()
    {
    }

    /// <inheritdoc/>
    public void Start(int totalSteps, string phase)
    {
    }

    /// <inheritdoc/>
    public void Report(int step, IReadOnlyDictionary<string, double> metrics)
    {
    }

    /// <inheritdoc/>
    public void Message(string message)
    {
    }

    /// <inheritdoc/>
    public void Finish()
    {
    }
}
