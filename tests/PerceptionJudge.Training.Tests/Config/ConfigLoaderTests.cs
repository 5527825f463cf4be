using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

[TestFixture]
public sealed class ConfigLoaderTests
{
    private const string Yaml = """
        # a run
        data:
          tasks: [pair, "batch_ranking"]   # two tasks
          val_fraction: 0.2
        model:
          finetune: full
        rollout:
          n: 8
          top_p: 0.9
          think_prefix: true
        trainer:
          seed: 18446744073709551615
          output_dir: 'runs/a # not a comment'
        optim:
          lr: 1e-6
        """;

    [Test]
    public void FromYaml_BindsNestedSectionsAndKeepsDefaults()
    {
        TrainConfig c = ConfigLoader.FromYaml(Yaml, "run.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(c.Data.Tasks, Is.EqualTo(new[] { "pair", "batch_ranking" }));
            Assert.That(c.Data.ValFraction, Is.EqualTo(0.2));
            Assert.That(c.Model.Finetune, Is.EqualTo("full"));
            Assert.That(c.Rollout.N, Is.EqualTo(8));
            Assert.That(c.Rollout.TopP, Is.EqualTo(0.9));
            Assert.That(c.Rollout.ThinkPrefix, Is.True);
            Assert.That(c.Trainer.Seed, Is.EqualTo(ulong.MaxValue));
            Assert.That(c.Trainer.OutputDir, Is.EqualTo("runs/a # not a comment"));
            Assert.That(c.Optim.Lr, Is.EqualTo(1e-6));
            Assert.That(c.Rollout.TopK, Is.EqualTo(20), "an unset key keeps its default");
            Assert.That(c.Algorithm, Is.EqualTo(new AlgorithmConfig()));
        });
    }

    [Test]
    public void FromYaml_BlockListAtTheKeysIndentOrDeeper()
    {
        const string flat = "data:\n  tasks:\n  - score\n  - pair\n";
        const string deep = "data:\n  tasks:\n    - score\n    - \"pair\"\n";
        Assert.That(ConfigLoader.FromYaml(flat).Data.Tasks, Is.EqualTo(new[] { "score", "pair" }));
        Assert.That(ConfigLoader.FromYaml(deep).Data.Tasks, Is.EqualTo(new[] { "score", "pair" }));
    }

    [Test]
    public void FromJson_BindsTheSameAsYaml()
    {
        const string json = """
            {
              "data": { "tasks": ["pair", "batch_ranking"], "val_fraction": 0.2 },
              "model": { "finetune": "full" },
              "rollout": { "n": 8, "top_p": 0.9, "think_prefix": true },
              "trainer": { "seed": 18446744073709551615, "output_dir": "runs/a # not a comment" },
              "optim": { "lr": 1e-6 }, // comments and trailing commas are allowed
            }
            """;
        TrainConfig fromJson = ConfigLoader.FromJson(json);
        TrainConfig fromYaml = ConfigLoader.FromYaml(Yaml);
        ConfigAssert.Equal(fromJson, fromYaml);
    }

    [Test]
    public void FromYaml_FlowStyleBlockScalarsAndAliases_BindTheSameAsBlockStyle()
    {
        const string yaml = """
            data: {tasks: [pair, "batch_ranking"], val_fraction: 0.2}
            model: {finetune: full, path: &base runs/base}
            rollout: {n: 8, top_p: 0.9, think_prefix: true}
            trainer:
              seed: 18446744073709551615
              output_dir: >-
                runs/a
                # not a comment
            optim: {lr: 1e-6}
            """;
        TrainConfig c = ConfigLoader.FromYaml(yaml, "flow.yaml");
        ConfigAssert.Equal(c with { Model = c.Model with { Path = "tiny" } }, ConfigLoader.FromYaml(Yaml));
        Assert.That(c.Model.Path, Is.EqualTo("runs/base"));
        TrainConfig aliased = ConfigLoader.FromYaml("model: {path: &p x}\ntrainer: {output_dir: *p}\n");
        Assert.That(aliased.Trainer.OutputDir, Is.EqualTo("x"));
    }

    [Test]
    public void UnknownKey_InAFlowMapping_NamesItsLineAndClosestKey()
    {
        const string yaml = "rollout: {n: 4,\n  topp: 0.9}\n";
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.FromYaml(yaml, "run.yaml"));
        Assert.That(e!.Message, Is.EqualTo("run.yaml:2: unknown key 'rollout.topp'; did you mean 'rollout.top_p'?"));
    }

    [Test]
    public void UnknownKey_InYaml_NamesFileLineAndClosestKey()
    {
        const string yaml = "rollout:\n  n: 4\n  topp: 0.9\n";
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.FromYaml(yaml, "run.yaml"));
        Assert.That(e!.Message, Is.EqualTo("run.yaml:3: unknown key 'rollout.topp'; did you mean 'rollout.top_p'?"));
        Assert.That(e.Line, Is.EqualTo(3));
    }

    [Test]
    public void UnknownKey_AtTheTop_SuggestsTheNestedKeyWithThatName()
    {
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.FromYaml("top_p: 0.9\n", "run.yaml"));
        Assert.That(e!.Message, Does.Contain("unknown key 'top_p'; did you mean 'rollout.top_p'?"));
    }

    [Test]
    public void UnknownKey_InJson_NamesTheLine()
    {
        const string json = "{\n  \"trainer\": {\n    \"steps\": 3,\n    \"keep_lats\": 1\n  }\n}";
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.FromJson(json, "run.json"));
        Assert.That(e!.Message,
            Is.EqualTo("run.json:4: unknown key 'trainer.keep_lats'; did you mean 'trainer.keep_last'?"));
    }

    [Test]
    public void PascalCaseKey_IsUnknown_AndTheSnakeCaseIsSuggested()
    {
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.FromYaml("rollout:\n  TopP: 0.9\n", "a.yaml"));
        Assert.That(e!.Message, Does.Contain("did you mean 'rollout.top_p'?"));
    }

    [TestCase("rollout:\n  n: five\n", "a.yaml:2: 'rollout.n' expects an integer, got 'five'")]
    [TestCase("rollout:\n  n: \"5\"\n", "a.yaml:2: 'rollout.n' expects an integer, got the string \"5\"")]
    [TestCase("rollout:\n  n: 2.5\n", "a.yaml:2: 'rollout.n' expects an integer, got '2.5'")]
    [TestCase("rollout:\n  think_prefix: yes\n", "a.yaml:2: 'rollout.think_prefix' expects true or false, got 'yes'")]
    [TestCase("trainer:\n  seed: -1\n", "a.yaml:2: 'trainer.seed' expects a non-negative integer, got '-1'")]
    [TestCase("optim:\n  lr: .nan\n", "a.yaml:2: 'optim.lr' expects a finite number, got '.nan'")]
    [TestCase("data:\n  tasks: pair\n", "a.yaml:2: 'data.tasks' expects a list such as [a, b], got 'pair'")]
    [TestCase("model:\n  path:\n", "a.yaml:2: 'model.path' expects a string, got no value (null)")]
    [TestCase("rollout: 5\n", "a.yaml:1: 'rollout' is a section; give its keys (for example 'rollout.n'), not a value")]
    [TestCase("rollout:\n  n:\n    deep: 1\n", "a.yaml:2: 'rollout.n' expects an integer, got a mapping")]
    public void WrongType_NamesKeyLineAndWhatWasExpected(string yaml, string message)
    {
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.FromYaml(yaml, "a.yaml"));
        Assert.That(e!.Message, Is.EqualTo(message));
    }

    [Test]
    public void Overrides_SetScalarsAndLists_LaterWins()
    {
        TrainConfig c = ConfigLoader.ApplyOverrides(new TrainConfig(),
            ["rollout.n=8", "data.tasks=[pair,score]", "model.path = \"my model\"", "rollout.n=6", "optim.lr=3e-5"]);
        Assert.Multiple(() =>
        {
            Assert.That(c.Rollout.N, Is.EqualTo(6));
            Assert.That(c.Data.Tasks, Is.EqualTo(new[] { "pair", "score" }));
            Assert.That(c.Model.Path, Is.EqualTo("my model"));
            Assert.That(c.Optim.Lr, Is.EqualTo(3e-5));
        });
    }

    [Test]
    public void Override_AFlowMapping_SetsSeveralKeysOfASection()
    {
        TrainConfig c = ConfigLoader.ApplyOverride(new TrainConfig(), "rollout={n: 7, top_p: 0.5}");
        Assert.That((c.Rollout.N, c.Rollout.TopP, c.Rollout.TopK), Is.EqualTo((7, 0.5, 20)));
    }

    [Test]
    public void Overrides_LeaveTheInputConfigUnchanged()
    {
        var original = new TrainConfig();
        _ = ConfigLoader.ApplyOverride(original, "rollout.n=9");
        Assert.That(original.Rollout.N, Is.EqualTo(5));
    }

    [TestCase("rollout.topp=0.9",
        "override 'rollout.topp=0.9': unknown key 'rollout.topp'; did you mean 'rollout.top_p'?")]
    [TestCase("rollout.n=x", "override 'rollout.n=x': 'rollout.n' expects an integer, got 'x'")]
    [TestCase("rollout.n", "override 'rollout.n': expected key.path=value, e.g. rollout.n=8")]
    [TestCase("rollout..n=3",
        "override 'rollout..n=3': the key has an empty segment; expected key.path=value, e.g. rollout.n=8")]
    [TestCase("data.tasks=[a, [b]]",
        "override 'data.tasks=[a, [b]]': list items must be scalars (nested lists and mappings are not settings)")]
    [TestCase("data.tasks=[a", "override 'data.tasks=[a': invalid YAML at column 1: While parsing a flow sequence, " +
        "did not find expected ',' or ']'.")]
    public void BadOverride_NamesTheOverride(string text, string message)
    {
        var e = Assert.Throws<TrainingException>(() => ConfigLoader.ApplyOverride(new TrainConfig(), text));
        Assert.That(e!.Message, Is.EqualTo(message));
        Assert.That(e.Line, Is.Null);
    }

    [Test]
    public void Load_ReadsTheFileAppliesOverridesAndValidates()
    {
        string dir = Directory.CreateTempSubdirectory("pj-config-").FullName;
        try
        {
            string path = Path.Combine(dir, "run.yml");
            File.WriteAllText(path, Yaml);
            TrainConfig c = ConfigLoader.Load(path, ["rollout.n=4"]);
            Assert.That((c.Rollout.N, c.Model.Finetune), Is.EqualTo((4, "full")));

            var invalid = Assert.Throws<TrainingException>(() => ConfigLoader.Load(path, ["rollout.n=1"]));
            Assert.That(invalid!.Message,
                Does.StartWith($"{path} with 1 override(s): invalid settings: rollout.n = 1"));

            string other = Path.Combine(dir, "run.toml");
            File.WriteAllText(other, "");
            var format = Assert.Throws<TrainingException>(() => ConfigLoader.Load(other));
            Assert.That(format!.Message, Does.Contain("unknown config format '.toml'; use .json, .yaml or .yml"));

            var missing = Assert.Throws<TrainingException>(() => ConfigLoader.Load(Path.Combine(dir, "none.json")));
            Assert.That(missing!.Message, Does.Contain("cannot read the config file"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Load_WithoutAFile_IsTheValidDefaults()
    {
        ConfigAssert.Equal(ConfigLoader.Load(null), new TrainConfig());
    }
}
