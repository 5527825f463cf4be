namespace PerceptionJudge.Training.Tests;

/// <summary>
/// <see cref="UpdateWatch"/>: the warning after a streak of skipped updates (once per streak, with its reason) and
/// the failure of a run that never updated.
/// </summary>
[TestFixture]
public sealed class UpdateWatchTests
{
    private static readonly Dictionary<string, double> s_updated = new() { ["reward_mean"] = 0.4, ["optimizer_steps"] = 1 };

    private static Dictionary<string, double> Skipped(double mean = 0) => new()
    {
        [UpdateWatch.SkippedKey] = 1,
        ["reward_mean"] = mean,
        ["reward_std"] = 0,
    };

    [Test]
    public void FifthSkippedStepInARow_WarnsOnce_WithTheReason()
    {
        var watch = new UpdateWatch(warnAfter: 5);
        var warnings = Enumerable.Range(1, 8).Select(step => watch.Observe(step, Skipped())).ToList();
        Assert.That(warnings.Select(w => w is not null),
            Is.EqualTo(new[] { false, false, false, false, true, false, false, false }));
        Assert.That(warnings[4], Does.Contain("steps 1–5 skipped the update").And.Contain("zero reward variance")
            .And.Contain("all rewards were 0").And.Contain("output format").And.Contain("sft.steps"));
    }

    [Test]
    public void AnUpdate_EndsTheStreak()
    {
        var watch = new UpdateWatch(warnAfter: 2);
        Assert.That(watch.Observe(1, Skipped()), Is.Null);
        Assert.That(watch.Observe(2, s_updated), Is.Null);
        Assert.That(watch.Observe(3, Skipped(mean: 1)), Is.Null);
        var warning = watch.Observe(4, Skipped(mean: 1));
        Assert.That(warning, Does.Contain("steps 3–4").And.Contain("all got the same reward")
            .And.Not.Contain("all rewards were 0"));
        Assert.That(watch.ConsecutiveSkipped, Is.EqualTo(2));
        Assert.DoesNotThrow(() => watch.ThrowIfNeverUpdated("saved"), "one step updated");
    }

    [Test]
    public void ARunThatNeverUpdated_Fails_NamingWhereTheStateIs()
    {
        var watch = new UpdateWatch();
        for (int step = 1; step <= 3; step++)
        {
            watch.Observe(step, Skipped());
        }

        var e = Assert.Throws<TrainingException>(() => watch.ThrowIfNeverUpdated("the state is saved as ckpt"));
        Assert.That(e!.Message, Does.StartWith("none of the 3 RL steps updated the policy")
            .And.Contain("all rewards were 0").And.EndWith("the state is saved as ckpt"));
    }

    [Test]
    public void NoStepsRun_IsNotAFailure() =>
        Assert.DoesNotThrow(() => new UpdateWatch().ThrowIfNeverUpdated("saved"));

    [Test]
    public void WarnAfter_MustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new UpdateWatch(warnAfter: 0));
}
