using System.Globalization;

namespace PerceptionJudge.Training.Config;

/// <summary>
/// Range and choice checks of a bound <see cref="TrainConfig"/>. Every problem is collected and reported at once in
/// one <see cref="TrainingException"/>, each as <c>key = value: what is wrong</c>. Registry names (advantage
/// estimator, policy loss, loss aggregation, KL type) are checked by their registries when the trainer resolves them.
/// </summary>
public static class ConfigValidator
{
    /// <summary>The fine-tune kinds.</summary>
    public static readonly IReadOnlyList<string> FinetuneKinds = ["lora", "full"];

    /// <summary>The training modes (<see cref="AlgorithmConfig.Mode"/>).</summary>
    public static readonly IReadOnlyList<string> Modes = ["grpo", "perpo"];

    /// <summary>The reward modes (<see cref="RewardConfig.Mode"/>).</summary>
    public static readonly IReadOnlyList<string> RewardModes = ["judge", "perception_r1"];

    /// <summary>The judge task types (<see cref="DataConfig.Tasks"/>).</summary>
    public static readonly IReadOnlyList<string> TaskTypes = ["score", "pair", "batch_ranking"];

    /// <summary>Throws a <see cref="TrainingException"/> for <paramref name="source"/> naming bad settings.</summary>
    public static void Validate(TrainConfig config, string source = "config")
    {
        IReadOnlyList<string> problems = Problems(config);
        if (problems.Count > 0)
        {
            throw new TrainingException(source, "invalid settings: " + string.Join("; ", problems));
        }
    }

    /// <summary>Each invalid setting of <paramref name="config"/> as <c>key = value: reason</c>.</summary>
    public static IReadOnlyList<string> Problems(TrainConfig config)
    {
        var p = new List<string>();
        DataConfig data = config.Data;
        Check(p, "data.synthetic_pairs", data.SyntheticPairs, data.SyntheticPairs >= 1, "must be at least 1");
        Check(p, "data.synthetic_min_objects", data.SyntheticMinObjects, data.SyntheticMinObjects is >= 2 and <= 12,
            "must be in [2, 12]");
        Check(p, "data.synthetic_max_objects", data.SyntheticMaxObjects,
            data.SyntheticMaxObjects >= data.SyntheticMinObjects && data.SyntheticMaxObjects <= 12,
            "must be in [data.synthetic_min_objects, 12]");
        Check(p, "data.synthetic_min_radius", data.SyntheticMinRadius, data.SyntheticMinRadius is >= 0.02 and <= 0.2,
            "must be in [0.02, 0.2]");
        Check(p, "data.synthetic_max_radius", data.SyntheticMaxRadius,
            data.SyntheticMaxRadius >= data.SyntheticMinRadius && data.SyntheticMaxRadius <= 0.2,
            "must be in [data.synthetic_min_radius, 0.2]");
        Check(p, "data.synthetic_image_size", data.SyntheticImageSize,
            data.SyntheticImageSize is 0 or (>= 8 and <= 448), "must be 0 (the model's input size) or in [8, 448]");
        Check(p, "data.tasks", string.Join(",", data.Tasks), data.Tasks.Count > 0, "must name at least one task");
        foreach (string task in data.Tasks)
        {
            OneOf(p, "data.tasks", task, TaskTypes);
        }
        Check(p, "data.tasks", string.Join(",", data.Tasks), data.Tasks.Distinct().Count() == data.Tasks.Count,
            "names a task twice");
        Check(p, "data.val_fraction", data.ValFraction, data.ValFraction is >= 0 and < 1, "must be in [0, 1)");

        Check(p, "model.path", config.Model.Path, config.Model.Path.Length > 0, "must be \"tiny\" or a folder");
        OneOf(p, "model.finetune", config.Model.Finetune, FinetuneKinds);

        LoraSection lora = config.Lora;
        Check(p, "lora.r", lora.R, lora.R >= 1, "must be at least 1");
        Check(p, "lora.alpha", lora.Alpha, lora.Alpha > 0, "must be positive");
        Check(p, "lora.target_modules", lora.TargetModules, lora.TargetModules.Length > 0, "must not be empty");

        RolloutConfig rollout = config.Rollout;
        Check(p, "rollout.n", rollout.N, rollout.N >= 2, "must be at least 2 (a group needs two samples to compare)");
        Check(p, "rollout.temperature", rollout.Temperature, rollout.Temperature > 0, "must be positive");
        Check(p, "rollout.top_p", rollout.TopP, rollout.TopP is > 0 and <= 1, "must be in (0, 1]");
        Check(p, "rollout.top_k", rollout.TopK, rollout.TopK >= 0, "must be 0 (off) or positive");
        Check(p, "rollout.max_new_tokens", rollout.MaxNewTokens, rollout.MaxNewTokens >= 1, "must be at least 1");

        AlgorithmConfig algo = config.Algorithm;
        OneOf(p, "algorithm.mode", algo.Mode, Modes);
        Check(p, "algorithm.adv_estimator", algo.AdvEstimator, algo.AdvEstimator.Length > 0, "must not be empty");
        Check(p, "algorithm.policy_loss", algo.PolicyLoss, algo.PolicyLoss.Length > 0, "must not be empty");
        Check(p, "algorithm.clip_ratio_low", algo.ClipRatioLow, algo.ClipRatioLow is >= 0 and < 1, "must be in [0, 1)");
        Check(p, "algorithm.clip_ratio_high", algo.ClipRatioHigh, algo.ClipRatioHigh >= 0, "must be at least 0");
        Check(p, "algorithm.clip_ratio_c", algo.ClipRatioC, algo.ClipRatioC > 1,
            "must be above 1 (verl asserts the dual-clip c > 1)");
        Check(p, "algorithm.loss_agg_mode", algo.LossAggMode, algo.LossAggMode.Length > 0, "must not be empty");
        Check(p, "algorithm.kl_loss_coef", algo.KlLossCoef, algo.KlLossCoef >= 0, "must be at least 0");
        Check(p, "algorithm.kl_loss_type", algo.KlLossType, algo.KlLossType.Length > 0, "must not be empty");
        Check(p, "algorithm.entropy_coeff", algo.EntropyCoeff, algo.EntropyCoeff >= 0, "must be at least 0");
        Check(p, "algorithm.perpo_beta", algo.PerpoBeta, algo.PerpoBeta > 0, "must be positive");
        Check(p, "algorithm.filter_groups.max_num_gen_batches", algo.FilterGroups.MaxNumGenBatches,
            algo.FilterGroups.MaxNumGenBatches >= 1,
            "must be at least 1 (verl's 0 = endless trials is refused: a policy whose groups all have equal rewards " +
            "would never finish a step)");

        RewardConfig reward = config.Reward;
        OneOf(p, "reward.mode", reward.Mode, RewardModes);
        Check(p, "reward.format_weight", reward.FormatWeight, reward.FormatWeight >= 0, "must be at least 0");
        Check(p, "reward.perception_weight", reward.PerceptionWeight, reward.PerceptionWeight >= 0,
            "must be at least 0");
        Check(p, "reward.repetition_penalty", reward.RepetitionPenalty, reward.RepetitionPenalty >= 0,
            "must be at least 0");
        Check(p, "reward.repetition_ngram", reward.RepetitionNgram, reward.RepetitionNgram >= 1, "must be at least 1");

        OptimConfig optim = config.Optim;
        Check(p, "optim.lr", optim.Lr, optim.Lr >= 0, "must be at least 0 (0 takes the recipe's rate)");
        Check(p, "optim.beta1", optim.Beta1, optim.Beta1 is >= 0 and < 1, "must be in [0, 1)");
        Check(p, "optim.beta2", optim.Beta2, optim.Beta2 is >= 0 and < 1, "must be in [0, 1)");
        Check(p, "optim.eps", optim.Eps, optim.Eps > 0, "must be positive");
        Check(p, "optim.weight_decay", optim.WeightDecay, optim.WeightDecay >= 0, "must be at least 0");
        Check(p, "optim.grad_clip", optim.GradClip, optim.GradClip >= 0, "must be 0 (off) or positive");

        TrainerConfig trainer = config.Trainer;
        Check(p, "trainer.steps", trainer.Steps, trainer.Steps >= 0, "must be at least 0");
        Check(p, "trainer.prompts_per_step", trainer.PromptsPerStep, trainer.PromptsPerStep >= 1, "must be at least 1");
        Check(p, "trainer.mini_batch_prompts", trainer.MiniBatchPrompts, trainer.MiniBatchPrompts >= 1,
            "must be at least 1");
        if (trainer.PromptsPerStep >= 1 && trainer.MiniBatchPrompts >= 1)
        {
            Check(p, "trainer.mini_batch_prompts", trainer.MiniBatchPrompts,
                trainer.PromptsPerStep % trainer.MiniBatchPrompts == 0,
                $"must divide trainer.prompts_per_step = {trainer.PromptsPerStep}");
        }
        Check(p, "trainer.micro_batch_sequences", trainer.MicroBatchSequences, trainer.MicroBatchSequences >= 1,
            "must be at least 1");
        Check(p, "trainer.ppo_epochs", trainer.PpoEpochs, trainer.PpoEpochs >= 1, "must be at least 1");
        Check(p, "trainer.save_every", trainer.SaveEvery, trainer.SaveEvery >= 0, "must be 0 (end only) or positive");
        Check(p, "trainer.keep_last", trainer.KeepLast, trainer.KeepLast >= 1, "must be at least 1");
        Check(p, "trainer.output_dir", trainer.OutputDir, trainer.OutputDir.Length > 0, "must name a folder");

        SftConfig sft = config.Sft;
        Check(p, "sft.steps", sft.Steps, sft.Steps >= 0, "must be at least 0");
        Check(p, "sft.describe_steps", sft.DescribeSteps, sft.DescribeSteps >= 0, "must be at least 0");
        Check(p, "sft.batch_size", sft.BatchSize, sft.BatchSize >= 1, "must be at least 1");
        Check(p, "sft.lr", sft.Lr, sft.Lr >= 0, "must be at least 0");
        Check(p, "sft.save_every", sft.SaveEvery, sft.SaveEvery >= 0, "must be 0 (none) or positive");

        PretrainConfig pre = config.Pretrain;
        Check(p, "pretrain.vision_steps", pre.VisionSteps, pre.VisionSteps >= 0, "must be at least 0");
        Check(p, "pretrain.vision_batch_size", pre.VisionBatchSize, pre.VisionBatchSize >= 1, "must be at least 1");
        Check(p, "pretrain.vision_lr", pre.VisionLr, pre.VisionLr >= 0, "must be at least 0");
        Check(p, "pretrain.vision_scenes", pre.VisionScenes, pre.VisionScenes >= 1, "must be at least 1");
        return p;
    }

    private static void Check(List<string> problems, string key, object value, bool ok, string reason)
    {
        if (value is double d && !double.IsFinite(d))
        {
            problems.Add($"{key} = {d.ToString(CultureInfo.InvariantCulture)}: must be finite");
        }
        else if (!ok)
        {
            problems.Add($"{key} = {Convert.ToString(value, CultureInfo.InvariantCulture)}: {reason}");
        }
    }

    private static void OneOf(List<string> problems, string key, string value, IReadOnlyList<string> valid)
    {
        if (!valid.Contains(value, StringComparer.Ordinal))
        {
            problems.Add($"{key} = \"{value}\": must be one of {string.Join(", ", valid)}");
        }
    }
}
