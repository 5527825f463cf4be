namespace PerceptionJudge.Training;

/// <summary>
/// Where the trainer reports progress: a terminal display in the CLI, nothing in tests. Calls come from the
/// training thread, in order: <see cref="Start"/> per phase, then <see cref="Report"/> per step, then
/// <see cref="Finish"/>; <see cref="Message"/> at any time.
/// </summary>
public interface ITrainingProgress
{
    /// <summary>A phase ("sft" or "rl") of <paramref name="totalSteps"/> steps begins.</summary>
    void Start(int totalSteps, string phase);

    /// <summary>Step <paramref name="step"/> (1-based) is done, with its metrics (see Metrics.MetricNames).</summary>
    void Report(int step, IReadOnlyDictionary<string, double> metrics);

    /// <summary>A line of text for the user (a checkpoint saved, a resume, a warning).</summary>
    void Message(string message);

    /// <summary>The current phase ended.</summary>
    void Finish();
}
