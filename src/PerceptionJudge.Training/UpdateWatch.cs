using System.Globalization;

namespace PerceptionJudge.Training;

/// <summary>
/// Watches whether RL steps update the policy. A step skips its update when DAPO's zero-variance filter dropped every
/// group (every rollout of each prompt got the same reward, so GRPO's advantage r − mean(r) is 0 everywhere), which
/// is what an untrained judge whose outputs never parse does: every reward is 0. After <see cref="WarnAfter"/>
/// consecutive skipped steps the run warns once per streak with the reason, and a run in which no step updated fails
/// at the end (<see cref="ThrowIfNeverUpdated"/>) instead of reporting success.
/// </summary>
/// <param name="warnAfter">Consecutive skipped steps before the warning (≥ 1).</param>
public sealed class UpdateWatch(int warnAfter = 5)
{
    /// <summary>The metric a step without an update reports as 1 (see Grpo.PolicyUpdate).</summary>
    public const string SkippedKey = "skipped_update";

    private int _firstSkipped;
    private bool _allZero = true;

    /// <summary>Consecutive skipped steps before the warning.</summary>
    public int WarnAfter { get; } = warnAfter >= 1
        ? warnAfter
        : throw new ArgumentOutOfRangeException(nameof(warnAfter), warnAfter, "must be at least 1");

    /// <summary>Steps observed.</summary>
    public int Steps { get; private set; }

    /// <summary>Observed steps that applied an update.</summary>
    public int Updated { get; private set; }

    /// <summary>Skipped steps in the current streak.</summary>
    public int ConsecutiveSkipped { get; private set; }

    /// <summary>
    /// Records step <paramref name="step"/> from its metrics (<see cref="SkippedKey"/>, reward_mean, reward_std);
    /// returns the warning when this step makes the streak of skipped steps <see cref="WarnAfter"/> long, else null.
    /// </summary>
    public string? Observe(int step, IReadOnlyDictionary<string, double> metrics)
    {
        Steps++;
        if (metrics.GetValueOrDefault(SkippedKey) != 1)
        {
            Updated++;
            ConsecutiveSkipped = 0;
            _allZero = true;
            return null;
        }

        if (ConsecutiveSkipped++ == 0)
        {
            _firstSkipped = step;
        }

        _allZero &= metrics.GetValueOrDefault("reward_mean") == 0 && metrics.GetValueOrDefault("reward_std") == 0;
        return ConsecutiveSkipped == WarnAfter
            ? $"warning: steps {_firstSkipped}–{step} skipped the update: {Reason()}"
            : null;
    }

    /// <summary>
    /// Throws a <see cref="TrainingException"/> when steps were observed and none applied an update;
    /// <paramref name="saved"/> says where the (unchanged) state was kept.
    /// </summary>
    public void ThrowIfNeverUpdated(string saved)
    {
        if (Steps > 0 && Updated == 0)
        {
            throw new TrainingException(string.Create(CultureInfo.InvariantCulture,
                $"none of the {Steps} RL steps updated the policy: {Reason()}; {saved}"));
        }
    }

    private string Reason() =>
        "every group had zero reward variance and was dropped (" +
        (_allZero ? "all rewards were 0" : "each prompt's rollouts all got the same reward") +
        "); check that the judge's output format parses (the rewards), or warm it up with SFT (sft.steps)";
}
