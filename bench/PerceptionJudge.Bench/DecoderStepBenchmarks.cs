using BenchmarkDotNet.Attributes;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Bench;

/// <summary>
/// One training step of the Qwen2 backbone through libtorch (CPU, float32): forward to logits, mean next-token
/// cross-entropy, backward into every parameter. Shapes: batch 2 × 128 tokens, text only. <c>tiny</c> is
/// <see cref="ModelConfig.Tiny"/> (~3 M decoder parameters); <c>100m</c> is a Qwen2-style 100 M decoder (width 768,
/// 12 layers, 12 query / 4 kv heads, SwiGLU 2048, vocabulary 32000, tied). Forward+backward costs about
/// 6 · params · tokens FLOPs (2 forward, 4 backward), so the ratio to the no-grad forward baseline is ideally ≈ 3.
/// </summary>
[MemoryDiagnoser]
public class DecoderStepBenchmarks
{
    private const int Batch = 2, Length = 128;
    private VisionLanguageModel? _model;
    private Tensor? _ids;

    [Params("tiny", "100m")]
    public string Size { get; set; } = "tiny";

    [GlobalSetup]
    public void Setup()
    {
        LibTorch.EnsureLoaded();
        (_model, _ids) = Create(Size);
    }

    /// <summary>The <paramref name="size"/> decoder ("tiny" or "100m") and its seeded batch of token ids.</summary>
    internal static (VisionLanguageModel Model, Tensor Ids) Create(string size)
    {
        var config = size == "tiny"
            ? ModelConfig.Tiny with { Vision = null, ImageTokenId = null }
            : new ModelConfig
            {
                HiddenSize = 768,
                IntermediateSize = 2048,
                NumHiddenLayers = 12,
                NumAttentionHeads = 12,
                NumKeyValueHeads = 4,
                VocabSize = 32000,
                TieWordEmbeddings = true,
                MaxPositionEmbeddings = 4096,
            };
        var model = VisionLanguageModel.Create(config, 1);
        var random = new Random(20261122);
        var ids = Enumerable.Range(0, Batch * Length).Select(_ => (long)random.Next(0, config.VocabSize)).ToArray();
        return (model, Tensor.From<long>(ids, Batch, Length).DetachFromDisposeScope());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ids?.Dispose();
        _model?.Dispose();
    }

    /// <summary>Forward to logits without autograd (the rollout/reference cost).</summary>
    [Benchmark(Baseline = true)]
    public double ForwardNoGrad()
    {
        using var noGrad = LibTorch.NoGrad();
        using var scope = LibTorch.NewDisposeScope();
        return Loss(_model!, _ids!).Item();
    }

    /// <summary>Forward, loss and backward (gradients of every parameter).</summary>
    [Benchmark]
    public double ForwardBackward()
    {
        using var scope = LibTorch.NewDisposeScope();
        _model!.ZeroGrad();
        var loss = Loss(_model!, _ids!);
        loss.Backward();
        return loss.Item();
    }

    /// <summary>Mean next-token cross-entropy of <paramref name="model"/> on <paramref name="ids"/>.</summary>
    internal static Tensor Loss(VisionLanguageModel model, Tensor ids)
    {
        var logits = model.Forward(ids).Narrow(1, 0, Length - 1);
        var targets = ids.Narrow(1, 1, Length - 1).Unsqueeze(-1);
        return Ops.Neg(Ops.Mean(Ops.Gather(Ops.LogSoftmax(logits, -1), -1, targets)));
    }
}
