using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

/// <summary>Config equality: records compare by value except the list fields, which are compared item by item.</summary>
internal static class ConfigAssert
{
    public static void Equal(TrainConfig actual, TrainConfig expected)
    {
        Assert.That(actual.Data.Tasks, Is.EqualTo(expected.Data.Tasks));
        Assert.That(actual.Data.SyntheticEdits, Is.EqualTo(expected.Data.SyntheticEdits));
        TrainConfig sameLists = actual with
        {
            Data = actual.Data with { Tasks = expected.Data.Tasks, SyntheticEdits = expected.Data.SyntheticEdits },
        };
        Assert.That(sameLists, Is.EqualTo(expected));
    }
}
