using System.Diagnostics;
using PerceptionJudge.Distributed;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Generation;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.DataParallel;
using PerceptionJudge.Training.Grpo;
using PerceptionJudge.Training.Metrics;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;
using PerceptionJudge.Training.Sft;

namespace PerceptionJudge.Training;

/// <summary>
/// The judge training run: an optional SFT warm-up (full fine-tune on the gold judgments), then GRPO or PerPO with
/// LoRA or full fine-tuning. Each RL step: sample prompts → roll out n judgments (KV cache) → rewards →
/// advantages (kernel) → reference/old/current log-probs (chunked head) → policy loss and d/dlogp (kernel) →
/// libtorch backward → clipped fused AdamW (kernel).
/// </summary>
public sealed class JudgeTrainer : IDisposable
{
    private readonly TrainConfig _config;
    private readonly Tokenizer _tokenizer;
    private readonly ICommunicator _communicator;
    private readonly Func<Judgment, float>? _reward;
    private GradientSync? _gradients;
    private VisionLanguageModel? _base;
    private JudgePolicy? _policy;
    private JudgeState _completed;

    /// <summary>
    /// Prepares a run over <paramref name="samples"/>; the model is built from the config. With a
    /// <paramref name="communicator"/> of K &gt; 1 ranks, each RL step trains data-parallel (see
    /// <see cref="DataParallelPlan"/>); every rank builds the same model and runs the same SFT. A
    /// <paramref name="reward"/> replaces the config's reward (<see cref="RolloutScoring.Reward"/>) for every
    /// judgment, for a task the PPJD rewards do not cover (a text-only rule reward, the learnability tests); it must
    /// be finite and deterministic.
    /// </summary>
    public JudgeTrainer(
        TrainConfig config, SampleSet samples, ICommunicator? communicator = null, Func<Judgment, float>? reward = null)
    {
        _config = config;
        _communicator = communicator ?? new SingleProcessCommunicator();
        _reward = reward;
        DataParallelPlan.Validate(config, _communicator.Size);
        _tokenizer = TokenizerLoader.For(config.Model.Path);
        Samples = samples;
        _base = CreateModel(config.Model);
        Sampler = new PromptSampler(samples.Train, config.Trainer.Seed);
        _completed = new JudgeState(0, 0, 0, config.Trainer.Seed, config.Model.Finetune);
    }

    /// <summary>The data.</summary>
    public SampleSet Samples { get; }

    /// <summary>Where RL prompts come from (its position is checkpointed).</summary>
    public PromptSampler Sampler { get; private set; }

    /// <summary>RL steps done.</summary>
    public int Step { get; private set; }

    /// <summary>The policy once RL has started (null during SFT).</summary>
    public JudgePolicy? Policy => _policy;

    /// <summary>The model as it is now (base during SFT, policy model after).</summary>
    public VisionLanguageModel Model => _policy?.Model ?? _base!;

    /// <summary>The tokenizer.</summary>
    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>A rollout engine over the current model.</summary>
    public RolloutEngine Engine() => new(Model, _tokenizer);

    /// <summary>The configuration of the built-in preset ("tiny", "nano") or of an HF-style folder.</summary>
    public static ModelConfig CreateModelConfig(ModelSection section) => section.Path switch
    {
        "tiny" => ModelConfig.Tiny,
        "nano" => ModelConfig.Nano,
        _ => ModelConfigJson.Load(Path.Combine(section.Path, "config.json")),
    };

    /// <summary>The state after the last completed RL step (what a checkpoint stores).</summary>
    public JudgeState State() => _completed;

    /// <summary>Continues after <paramref name="state"/>'s step with its sampler position.</summary>
    public void RestorePosition(JudgeState state)
    {
        if (state.Seed != _config.Trainer.Seed)
        {
            throw new TrainingException("trainer.seed",
                $"is {_config.Trainer.Seed} but the checkpoint was made with {state.Seed}; resume with the run's config");
        }

        Step = state.Step;
        Sampler = new PromptSampler(Samples.Train, _config.Trainer.Seed, state.SamplerEpoch, state.SamplerPosition);
        _completed = state;
    }

    /// <summary>The built-in preset ("tiny", "nano") or an HF-style folder.</summary>
    public static VisionLanguageModel CreateModel(ModelSection section)
    {
        LibTorch.ManualSeed(section.InitSeed);
        return section.Path is "tiny" or "nano"
            ? VisionLanguageModel.Create(CreateModelConfig(section), section.InitSeed)
            : VisionLanguageModel.FromPretrained(section.Path);
    }

    /// <summary>
    /// The SFT warm-up, full fine-tuning with one AdamW: first <see cref="SftConfig.DescribeSteps"/> steps on the
    /// training images' descriptions (<see cref="SampleSet.Describe"/>), then <see cref="SftConfig.Steps"/> steps on
    /// the gold judgments, each stage's batches drawn by its own seeded sampler. <paramref name="log"/> gets
    /// (step, values), steps counted across both stages: describe_loss, then sft_loss.
    /// </summary>
    public void RunSft(Action<int, Dictionary<string, double>> log)
    {
        var sft = _config.Sft;
        if (sft.Steps + sft.DescribeSteps == 0 || _base is null)
        {
            return;
        }

        if (sft.DescribeSteps > 0 && Samples.Describe.Count == 0)
        {
            throw new TrainingException(
                $"sft.describe_steps = {sft.DescribeSteps} needs images with known facts, and no training record has " +
                "any (only the synthetic PPJD writes them); set sft.describe_steps=0");
        }

        var model = _base;
        model.Train();
        var optimizer = new LoraAdamW(model.NamedParameters(), new AdamWOptions(
            Lr: sft.Lr, Beta1: _config.Optim.Beta1, Beta2: _config.Optim.Beta2, Eps: _config.Optim.Eps,
            WeightDecay: _config.Optim.WeightDecay, MaxGradNorm: _config.Optim.GradClip > 0 ? _config.Optim.GradClip : null));
        var describe = sft.DescribeSteps > 0
            ? new PromptSampler(Samples.Describe, _config.Trainer.Seed ^ 0xDE5C71BEUL)
            : null;
        var judge = new PromptSampler(Samples.Train, _config.Trainer.Seed ^ 0x5F7UL);
        long pad = _tokenizer.Chat.EndOfTextId;
        int size = model.Config.Vision!.ImageSize;
        for (int step = 1; step <= sft.DescribeSteps + sft.Steps; step++)
        {
            var clock = Stopwatch.StartNew();
            bool describing = step <= sft.DescribeSteps;
            var batch = (describing ? describe! : judge).Next(sft.BatchSize);
            double loss = SftStep.Run(model, optimizer, batch, size, pad, step);
            log(step, new Dictionary<string, double>
            {
                [describing ? MetricNames.DescribeLoss : MetricNames.SftLoss] = loss,
                [MetricNames.StepSeconds] = clock.Elapsed.TotalSeconds,
            });
        }
    }

    /// <summary>Wraps the (warmed-up) base for RL: LoRA adapters or full fine-tuning, fused AdamW.</summary>
    public JudgePolicy StartRl()
    {
        if (_policy is not null)
        {
            return _policy;
        }

        var o = _config.Optim;
        _policy = new JudgePolicy(_base!, _tokenizer, _config.Model.Finetune, _config.Lora, new AdamWOptions(
            Lr: o.EffectiveLr(_config.Model.Finetune), Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps,
            WeightDecay: o.WeightDecay, MaxGradNorm: o.GradClip > 0 ? o.GradClip : null), _config.Trainer.Seed + 17,
            textOnly: Samples.Train.All(s => s.TextOnly));
        _base = null;
        _policy.Model.Train();
        _gradients = new GradientSync(_policy, _communicator);
        return _policy;
    }

    /// <summary>
    /// One RL step; returns its metrics (rewards, advantages, losses, timings, tokens/s). When it throws, the step
    /// and sampler go back to the last completed step.
    /// </summary>
    public Dictionary<string, double> RunRlStep()
    {
        try
        {
            var metrics = RlStep(++Step);
            _completed = _completed with { Step = Step, SamplerEpoch = Sampler.Epoch, SamplerPosition = Sampler.Position };
            return metrics;
        }
        catch
        {
            RestorePosition(_completed);
            throw;
        }
    }

    private Dictionary<string, double> RlStep(int step)
    {
        var policy = StartRl();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        var r = _config.Rollout;
        var options = new GenerationOptions
        {
            MaxNewTokens = r.MaxNewTokens,
            Temperature = r.Temperature,
            TopK = r.TopK,
            TopP = r.TopP,
        };
        var engine = Engine();
        var sampled = DynamicSampling.Collect(
            () => Sampler.Next(_config.Trainer.PromptsPerStep),
            (prompts, groups) => engine.GenerateGroups(prompts, groups, r.N, options, StepSeed(step)),
            _reward ?? (j => RolloutScoring.Reward(j, _config.Reward, r.ThinkPrefix)),
            _config, _communicator);
        var judgments = sampled.Judgments;
        metrics["time_rollout_s"] = clock.Elapsed.TotalSeconds;
        PhaseStall.Reach(PhaseStall.Rollout, step);

        clock.Restart();
        var scored = RolloutScoring.Score(judgments, _config, _reward, sampled.Rewards);
        if (_config.Algorithm.FilterGroups.Enable)
        {
            scored = scored with { DroppedGroups = sampled.DroppedGroups };
            metrics["num_gen_batches"] = sampled.Rounds;
            metrics["filter_kept_groups"] = sampled.KeptGroups;
        }

        metrics["time_advantage_s"] = scored.AdvantageSeconds;
        metrics["time_reward_s"] = clock.Elapsed.TotalSeconds - scored.AdvantageSeconds;
        long tokens = StepMetrics.Rollout(judgments, scored, _config.Data.Tasks, _communicator, metrics);

        clock.Restart();
        var update = new PolicyUpdate(policy, _config, _gradients).Run(scored, n => Shuffle(n, step), step);
        foreach (var (k, v) in update.Values)
        {
            metrics[k] = v;
        }

        metrics["time_forward_s"] = update.ForwardSeconds;
        metrics["time_backward_s"] = update.BackwardSeconds;
        metrics["time_update_s"] = update.UpdateSeconds;
        metrics["time_step_s"] = total.Elapsed.TotalSeconds;
        metrics["tokens_per_s"] = tokens / total.Elapsed.TotalSeconds;
        return metrics;
    }

    private ulong StepSeed(int step) => HashRng.Derive(_config.Trainer.Seed, (ulong)step);

    private int[] Shuffle(int n, int step)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(unchecked((int)_config.Trainer.Seed * 31 + step)).Shuffle(order);
        return order;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _policy?.Dispose();
        _base?.Dispose();
    }
}
