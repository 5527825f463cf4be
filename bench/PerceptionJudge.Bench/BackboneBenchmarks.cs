using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Torch;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Sft;

namespace PerceptionJudge.Bench;

/// <summary>
/// The backbone as the trainer uses it, at a given libtorch thread count (<see cref="Threads"/>), one process per
/// thread count: a 1024³ fp32 matmul (2·1024³ FLOPs), forward and forward+backward of the Tiny and the 100 M decoder
/// (<see cref="DecoderStepBenchmarks"/>: batch 2 × 128 tokens, next-token cross-entropy), and the demo's two steps on
/// the committed pretrained Nano judge: one SFT step (batch 16, <see cref="SftStep"/>, full fine-tune with the fused
/// AdamW) and one GRPO step with LoRA (<see cref="JudgeTrainer.RunRlStep"/>: 8 prompts × 5 rollouts of up to 48
/// tokens, rewards, log-probs, backward, update). Run with <c>PerceptionJudge.Bench --backbone [--threads N]</c>;
/// monitoring strategy (each invocation timed once), 1 warm-up and 5 measured iterations.
/// </summary>
public class BackboneBenchmarks
{
    private readonly Dictionary<string, (VisionLanguageModel Model, Tensor Ids)> _decoders = [];
    private Tensor? _a, _b;
    private VisionLanguageModel? _sftModel;
    private LoraAdamW? _sftOptimizer;
    private IReadOnlyList<Training.Samples.JudgeSample>? _sftBatch;
    private JudgeTrainer? _rl;
    private string? _folder;

    /// <summary>libtorch's threads (intra-op, which its BLAS uses, and inter-op) for the whole process.</summary>
    public static int Threads { get; set; } = 1;

    /// <summary>The job: in-process (an hour per benchmark before BenchmarkDotNet gives up: the 100M steps on a busy
    /// 2-core box), each invocation timed once.</summary>
    public static IConfig Config() =>
        ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithId($"backbone-{Threads}t")
                .WithStrategy(RunStrategy.Monitoring)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true))
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(5))
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
            .AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
            .AddExporter(BenchmarkDotNet.Exporters.Json.JsonExporter.Full)
            .WithArtifactsPath(Path.Combine(BenchConfig.FindRepoRoot(), "bench", "results"))
            .WithOptions(ConfigOptions.DisableLogFile);

    [GlobalSetup(Target = nameof(Matmul1024))]
    public void SetupMatmul()
    {
        SetThreads();
        _a = Tensor.Randn([1024, 1024], 1).DetachFromDisposeScope();
        _b = Tensor.Randn([1024, 1024], 2).DetachFromDisposeScope();
    }

    /// <summary>C = A·B, 1024³ fp32.</summary>
    [Benchmark]
    public double Matmul1024()
    {
        using var scope = LibTorch.NewDisposeScope();
        return Ops.MatMul(_a!, _b!).Numel;
    }

    [GlobalSetup(Targets = [nameof(TinyForward), nameof(TinyForwardBackward), nameof(M100Forward),
        nameof(M100ForwardBackward)])]
    public void SetupDecoders()
    {
        SetThreads();
        foreach (var size in new[] { "tiny", "100m" })
        {
            _decoders[size] = DecoderStepBenchmarks.Create(size);
        }
    }

    [Benchmark]
    public double TinyForward() => Forward("tiny");

    [Benchmark]
    public double TinyForwardBackward() => ForwardBackward("tiny");

    [Benchmark]
    public double M100Forward() => Forward("100m");

    [Benchmark]
    public double M100ForwardBackward() => ForwardBackward("100m");

    [GlobalSetup(Targets = [nameof(DemoSftStep), nameof(DemoRlStep)])]
    public void SetupDemo()
    {
        SetThreads();
        _folder = Path.Combine(Path.GetTempPath(), $"pj-backbone-bench-{Environment.ProcessId}");
        var config = DemoConfig(_folder);
        var run = new TrainingRun(config, NullTrainingProgress.Instance);
        var vision = JudgeTrainer.CreateModelConfig(config.Model).Vision!;
        var samples = run.LoadSamples(vision.ImageSize, vision.NumPatches);

        _sftModel = JudgeTrainer.CreateModel(config.Model);
        _sftModel.Train();
        _sftOptimizer = new LoraAdamW(_sftModel.NamedParameters(), new Kernels.Optim.AdamWOptions(
            Lr: config.Sft.Lr, Beta1: config.Optim.Beta1, Beta2: config.Optim.Beta2, Eps: config.Optim.Eps,
            WeightDecay: config.Optim.WeightDecay, MaxGradNorm: config.Optim.GradClip > 0 ? config.Optim.GradClip : null));
        _sftBatch = samples.Train.Take(config.Sft.BatchSize).ToList();

        _rl = new JudgeTrainer(config, samples);
        _rl.StartRl();
    }

    /// <summary>One SFT step of the demo's Nano judge (batch 16, full fine-tune).</summary>
    [Benchmark]
    public double DemoSftStep()
    {
        long pad = TinyVocabulary.Create().TokenToId(TinyVocabulary.EndOfText) ?? 0;
        return SftStep.Run(_sftModel!, _sftOptimizer!, _sftBatch!, _sftModel!.Config.Vision!.ImageSize, pad, 1);
    }

    /// <summary>One GRPO step of the demo (LoRA; rollout, rewards, log-probs, backward, update).</summary>
    [Benchmark]
    public double DemoRlStep() => _rl!.RunRlStep()["time_step_s"];

    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.Dispose();
        _b?.Dispose();
        foreach (var (model, ids) in _decoders.Values)
        {
            ids.Dispose();
            model.Dispose();
        }

        _decoders.Clear();
        _sftModel?.Dispose();
        _rl?.Dispose();
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The demo's recipe (<see cref="DemoRecipe"/>) over a 64-pair synthetic PPJD in <paramref name="dir"/>;
    /// the trainer section as these benchmarks first measured it (8 prompts a step, the recipe's earlier value).
    /// </summary>
    private static TrainConfig DemoConfig(string dir)
    {
        var demo = DemoRecipe.Config(Path.Combine(BenchConfig.FindRepoRoot(), "models", "nano-judge"), dir);
        return demo with
        {
            Data = demo.Data with { SyntheticPairs = 64 },
            Trainer = new TrainerConfig { Steps = 1000, SaveEvery = 1000, OutputDir = dir },
        };
    }

    private static void SetThreads() => LibTorch.SetThreads(Threads);

    private double Forward(string size)
    {
        using var noGrad = LibTorch.NoGrad();
        using var scope = LibTorch.NewDisposeScope();
        return Loss(size).Item();
    }

    private double ForwardBackward(string size)
    {
        using var scope = LibTorch.NewDisposeScope();
        _decoders[size].Model.ZeroGrad();
        var loss = Loss(size);
        loss.Backward();
        return loss.Item();
    }

    private Tensor Loss(string size) => DecoderStepBenchmarks.Loss(_decoders[size].Model, _decoders[size].Ids);
}
