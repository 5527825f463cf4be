namespace PerceptionJudge.Training;

/// <summary>A user error in a training run (config, dataset, checkpoint, numbers); the CLI prints it and exits 2.
/// </summary>
public sealed class TrainingException : Exception
{
    /// <summary>An error whose message names the file, key, row or step at fault and what to do.</summary>
    public TrainingException(string message)
        : base(message)
    {
    }

    /// <summary>The same, wrapping the cause.</summary>
    public TrainingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
