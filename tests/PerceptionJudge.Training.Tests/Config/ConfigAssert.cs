using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

/// <summary>Config equality: records compare by value except the task list, which is compared item by item.</summary>
internal static class ConfigAssert
{
    public static void Equal(TrainConfig actual, TrainConfig expected)
    {
        Assert.That(actual.Data.Tasks, Is.EqualTo(expected.Data.Tasks));
        TrainConfig sameTasks = actual with { Data = actual.Data with { Tasks = expected.Data.Tasks } };
        Assert.That(sameTasks, Is.EqualTo(expected));
    }
}
