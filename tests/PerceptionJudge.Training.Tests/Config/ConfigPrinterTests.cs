using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

[TestFixture]
public sealed class ConfigPrinterTests
{
    [Test]
    public void ToJson_HasEveryDefaultUnderSnakeCaseKeys()
    {
        string json = ConfigPrinter.ToJson(new TrainConfig());
        Assert.That(json, Does.Contain("\"top_p\": 0.95"));
        Assert.That(json, Does.Contain("\"clip_ratio_c\": 3"));
        Assert.That(json, Does.Contain("\"exclude_modules\": \"visual\\\\..*\""));
        Assert.That(json,
            Does.Contain("\"tasks\": [\n      \"score\",\n      \"pair\",\n      \"batch_ranking\"\n    ]"));
        Assert.That(json, Does.Not.Contain("effective_lr"));
    }

    [Test]
    public void ToFlat_OneLinePerSetting()
    {
        IReadOnlyList<string> lines = ConfigPrinter.ToFlat(new TrainConfig());
        Assert.That(lines, Does.Contain("rollout.top_p = 0.95"));
        Assert.That(lines, Does.Contain("data.tasks = [\"score\", \"pair\", \"batch_ranking\"]"));
        Assert.That(lines, Does.Contain("model.finetune = \"lora\""));
        Assert.That(lines, Does.Contain("optim.eps = 1E-08"));
        Assert.That(lines, Does.Contain("rollout.think_prefix = false"));
        Assert.That(lines, Does.Contain("algorithm.filter_groups.max_num_gen_batches = 4"));
        Assert.That(lines, Has.Count.EqualTo(ConfigBinder.KeyPaths(typeof(TrainConfig)).Count() - 11),
            "11 sections (10 top-level, algorithm.filter_groups)");
    }

    [Test]
    public void Defaults_RoundTripThroughJsonAndFlat()
    {
        var defaults = new TrainConfig();
        ConfigAssert.Equal(ConfigLoader.FromJson(ConfigPrinter.ToJson(defaults)), defaults);
        ConfigAssert.Equal(ConfigLoader.ApplyOverrides(new TrainConfig(), ConfigPrinter.ToFlat(defaults)), defaults);
    }

    [Test]
    public void RandomConfigs_RoundTripThroughJsonAndFlat()
    {
        Prop.ForAll<NonNull<string>, string[], int>(
            (text, tasks, seed) =>
            {
                // Doubles from random bit patterns (any finite exponent, denormals included), seeded by FsCheck.
                var rng = new Random(seed);
                TrainConfig c = Make(Clean(text.Get), tasks.Where(t => t is not null).Select(Clean).ToArray(),
                    FiniteDouble(rng), FiniteDouble(rng), rng.Next(int.MinValue, int.MaxValue), (ulong)rng.NextInt64(),
                    rng.Next(2) == 1);
                TrainConfig fromJson = ConfigLoader.FromJson(ConfigPrinter.ToJson(c));
                TrainConfig fromFlat = ConfigLoader.ApplyOverrides(new TrainConfig(), ConfigPrinter.ToFlat(c));
                ConfigAssert.Equal(fromJson, c);
                ConfigAssert.Equal(fromFlat, c);
            }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void AwkwardStrings_RoundTripThroughFlat()
    {
        string[] awkward = ["", " lead", "a # b", "q\"uote", "back\\slash", "new\nline", "[x]", "x: y", "~", "null",
            "true", "12", "é ü 漢"];
        foreach (string s in awkward)
        {
            TrainConfig c = Make(s, [s], 1.0, 0, 3, 7, false);
            ConfigAssert.Equal(ConfigLoader.ApplyOverrides(new TrainConfig(), ConfigPrinter.ToFlat(c)), c);
            ConfigAssert.Equal(ConfigLoader.FromJson(ConfigPrinter.ToJson(c)), c);
        }
    }

    private static double FiniteDouble(Random rng)
    {
        while (true)
        {
            double d = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(d))
            {
                return d;
            }
        }
    }

    /// <summary>Lone surrogates are not text (UTF-8 cannot hold them); everything else stays.</summary>
    private static string Clean(string s) => new(s.Where(ch => !char.IsSurrogate(ch)).ToArray());

    private static TrainConfig Make(string text, string[] tasks, double temperature, double lr, int n, ulong seed,
        bool think)
    {
        var c = new TrainConfig();
        return c with
        {
            Data = c.Data with { Path = text, Tasks = tasks, SyntheticSeed = seed },
            Model = c.Model with { Path = text + "/m" },
            Lora = c.Lora with { TargetModules = text },
            Rollout = c.Rollout with { N = n, Temperature = temperature, ThinkPrefix = think },
            Optim = c.Optim with { Lr = lr },
            Trainer = c.Trainer with { OutputDir = text, Seed = ~seed },
        };
    }
}
