using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

[TestFixture]
public sealed class ConfigValidatorTests
{
    [Test]
    public void Defaults_AreValid()
    {
        Assert.That(ConfigValidator.Problems(new TrainConfig()), Is.Empty);
    }

    [TestCase("rollout.n=1", "rollout.n = 1: must be at least 2")]
    [TestCase("rollout.top_p=0", "rollout.top_p = 0: must be in (0, 1]")]
    [TestCase("rollout.top_p=1.5", "rollout.top_p = 1.5: must be in (0, 1]")]
    [TestCase("algorithm.clip_ratio_low=-0.1", "algorithm.clip_ratio_low = -0.1: must be in [0, 1)")]
    [TestCase("algorithm.clip_ratio_c=1", "algorithm.clip_ratio_c = 1: must be above 1")]
    [TestCase("optim.lr=-1e-5", "optim.lr = -1E-05: must be at least 0")]
    [TestCase("model.finetune=qlora", "model.finetune = \"qlora\": must be one of lora, full")]
    [TestCase("algorithm.mode=ppo", "algorithm.mode = \"ppo\": must be one of grpo, perpo")]
    [TestCase("reward.mode=model", "reward.mode = \"model\": must be one of judge, perception_r1")]
    [TestCase("trainer.steps=-1", "trainer.steps = -1: must be at least 0")]
    [TestCase("trainer.mini_batch_prompts=3",
        "trainer.mini_batch_prompts = 3: must divide trainer.prompts_per_step = 8")]
    [TestCase("data.tasks=[score, rank]", "data.tasks = \"rank\": must be one of score, pair, batch_ranking")]
    [TestCase("data.tasks=[score, score]", "data.tasks = score,score: names a task twice")]
    [TestCase("data.tasks=[]", "data.tasks = : must name at least one task")]
    [TestCase("trainer.keep_last=0", "trainer.keep_last = 0: must be at least 1")]
    [TestCase("sft.batch_size=0", "sft.batch_size = 0: must be at least 1")]
    [TestCase("data.synthetic_min_objects=1", "data.synthetic_min_objects = 1: must be in [2, 12]")]
    [TestCase("data.synthetic_max_objects=2",
        "data.synthetic_max_objects = 2: must be in [data.synthetic_min_objects, 12]")]
    [TestCase("data.synthetic_min_radius=0.01", "data.synthetic_min_radius = 0.01: must be in [0.02, 0.2]")]
    [TestCase("data.synthetic_max_radius=0.03",
        "data.synthetic_max_radius = 0.03: must be in [data.synthetic_min_radius, 0.2]")]
    public void InvalidSetting_IsNamedWithItsValueAndRule(string setting, string problem)
    {
        TrainConfig c = ConfigLoader.ApplyOverride(new TrainConfig(), setting);
        var e = Assert.Throws<TrainingException>(() => ConfigValidator.Validate(c, "run.yaml"));
        Assert.That(e!.Message, Does.StartWith("run.yaml: invalid settings: "));
        Assert.That(e.Message, Does.Contain(problem));
    }

    [Test]
    public void SeveralProblems_AreAllReported()
    {
        TrainConfig c = ConfigLoader.ApplyOverrides(new TrainConfig(), ["rollout.n=0", "optim.eps=0", "lora.r=0"]);
        Assert.That(ConfigValidator.Problems(c), Has.Count.EqualTo(3));
    }
}
