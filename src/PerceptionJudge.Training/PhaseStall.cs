namespace PerceptionJudge.Training;

/// <summary>
/// A test hook for the kill-and-resume tests: with <c>PJUDGE_STALL_AT=PHASE:STEP</c> in the environment (PHASE one
/// of <see cref="Phases"/>), the process prints <c>pjudge: stalled at PHASE of step STEP</c> to stderr when the run
/// reaches that point and then waits forever, so a test can SIGKILL it exactly there instead of guessing with sleeps.
/// Without the variable, <see cref="Reach"/> is one comparison against a value read once.
/// </summary>
public static class PhaseStall
{
    /// <summary>The environment variable that arms the hook.</summary>
    public const string Variable = "PJUDGE_STALL_AT";

    /// <summary>After an RL step's rollout, before its rewards.</summary>
    public const string Rollout = "rollout";

    /// <summary>After a micro-batch's backward, before the optimizer step that uses its gradient.</summary>
    public const string Backward = "backward";

    /// <summary>After the first optimizer step of an RL step: the adapters are partly updated in memory.</summary>
    public const string Optimizer = "optimizer";

    /// <summary>Inside a checkpoint save: every file written to the temporary folder, nothing sealed or renamed.
    /// </summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>The phases a test may stall at.</summary>
    public static IReadOnlyList<string> Phases { get; } = [Rollout, Backward, Optimizer, Checkpoint];

    private static readonly string? s_armed = Environment.GetEnvironmentVariable(Variable);

    /// <summary>The line printed to stderr on stalling at <paramref name="phase"/> of <paramref name="step"/>.</summary>
    public static string Announcement(string phase, int step) => $"pjudge: stalled at {phase} of step {step}";

    /// <summary>Stalls forever when the hook is armed for <paramref name="phase"/> at <paramref name="step"/>.</summary>
    public static void Reach(string phase, int step)
    {
        if (s_armed is null || s_armed != $"{phase}:{step}")
        {
            return;
        }
        Console.Error.WriteLine(Announcement(phase, step));
        Console.Error.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
}
