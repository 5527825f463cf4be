using System.Diagnostics;
using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Grpo;

namespace PerceptionJudge.Training.Pretraining;

/// <summary>
/// Two linear heads on the vision tower's output tokens [N, P, H] (after the merger, so the decoder's input space
/// carries what they read): <c>cell</c> reads each patch token's cell colour (1 + 6 classes) and shape (1 + 4), and
/// <c>count</c> reads the flattened tokens' per-colour and per-shape counts (0..3+ each). The loss is the mean of the
/// token-averaged cross-entropies, <c>L = mean_k −(1/M) Σ_m log softmax(z_k,m)[y_k,m]</c>: a direct perception
/// signal from the generator's ground truth, so the tower learns shapes and places before any text is involved
/// (the describe stage alone learned colour but not shape).
/// </summary>
public sealed class PerceptionProbe : Module
{
    private static readonly int s_colours = NamedColour.Palette.Count;
    private static readonly int s_shapes = Enum.GetValues<ShapeKind>().Length;
    private const int CountClasses = ScenePool.MaxCount + 1;

    /// <summary>Heads for <paramref name="patches"/> tokens of width <paramref name="width"/>.</summary>
    public PerceptionProbe(long patches, long width, Initializer init)
    {
        Patches = patches;
        Cell = RegisterModule("cell", init.Linear(width, 1 + s_colours + 1 + s_shapes, bias: true));
        Count = RegisterModule("count", init.Linear(patches * width, (s_colours + s_shapes) * CountClasses, bias: true));
    }

    /// <summary>Tokens per image.</summary>
    public long Patches { get; }

    /// <summary>Per-token head: cell colour logits, then cell shape logits.</summary>
    public Linear Cell { get; }

    /// <summary>Per-image head: per colour, then per shape, <c>MaxCount + 1</c> count logits each.</summary>
    public Linear Count { get; }

    /// <summary>
    /// The probe loss of <paramref name="tokens"/> [N, P, H] against <paramref name="labels"/> (N of them), and the
    /// share of cells whose colour and shape are both predicted right (a readable accuracy).
    /// </summary>
    public (Tensor Loss, double CellAccuracy) Loss(Tensor tokens, IReadOnlyList<SceneLabels> labels)
    {
        using var scope = LibTorch.NewDisposeScope();
        long n = tokens.Size(0), w = tokens.Size(2);
        var cell = Cell.Forward(tokens).Reshape(n * Patches, 2 + s_colours + s_shapes);
        var cellColour = cell.Narrow(1, 0, 1 + s_colours);
        var cellShape = cell.Narrow(1, 1 + s_colours, 1 + s_shapes);
        var counts = Count.Forward(tokens.Reshape(n, Patches * w)).Reshape(n * (s_colours + s_shapes), CountClasses);
        var yColour = Targets(labels.SelectMany(l => l.CellColour));
        var yShape = Targets(labels.SelectMany(l => l.CellShape));
        var yCount = Targets(labels.SelectMany(l => l.ColourCount.Concat(l.ShapeCount)));
        var loss = Ops.Add(Ops.Add(CrossEntropy(cellColour, yColour), CrossEntropy(cellShape, yShape)),
            CrossEntropy(counts, yCount)) * (1.0 / 3);
        var right = Ops.Mul(Ops.Eq(Ops.ArgMax(cellColour, 1), yColour.Squeeze(1)),
            Ops.Eq(Ops.ArgMax(cellShape, 1), yShape.Squeeze(1)));
        double accuracy = right.To(DType.Float32).Mean().ToArray<float>()[0];
        return (loss.MoveToOuterDisposeScope(), accuracy);
    }

    /// <summary>
    /// Trains <paramref name="model"/>'s vision tower (patch embedding, positions, blocks, merger) with a fresh probe
    /// on <paramref name="pool"/> for <see cref="PretrainConfig.VisionSteps"/> AdamW steps; batches are drawn by a
    /// seeded shuffle. The decoder is untouched. <paramref name="log"/> gets (step, probe_loss, probe_cell_acc).
    /// </summary>
    public static void Train(VisionLanguageModel model, ScenePool pool, PretrainConfig config, OptimConfig optim,
        ulong seed, Action<int, Dictionary<string, double>> log)
    {
        var visual = model.Visual ?? throw new TrainingException("model", "pretraining needs a vision tower");
        using var probe = new PerceptionProbe(visual.Config.NumPatches, model.Config.HiddenSize, new Initializer(seed));
        var parameters = visual.NamedParameters("visual.").Concat(probe.NamedParameters("probe.")).ToList();
        var optimizer = new LoraAdamW(parameters, new AdamWOptions(Lr: config.VisionLr, Beta1: optim.Beta1,
            Beta2: optim.Beta2, Eps: optim.Eps, WeightDecay: optim.WeightDecay,
            MaxGradNorm: optim.GradClip > 0 ? optim.GradClip : null));
        var order = new Sampler(pool.Pixels.Count, seed);
        int size = pool.ImageSize, plane = 3 * size * size;
        visual.Train();
        for (int step = 1; step <= config.VisionSteps; step++)
        {
            var clock = Stopwatch.StartNew();
            using var scope = LibTorch.NewDisposeScope();
            var batch = order.Next(config.VisionBatchSize);
            var pixels = new float[batch.Length * plane];
            for (int b = 0; b < batch.Length; b++)
            {
                pool.Pixels[batch[b]].CopyTo(pixels, b * plane);
            }

            var tokens = visual.Forward(Tensor.From<float>(pixels, batch.Length, 3, size, size));
            var (loss, accuracy) = probe.Loss(tokens, batch.Select(i => pool.Labels[i]).ToList());
            double value = loss.ToArray<float>()[0];
            if (!double.IsFinite(value))
            {
                throw new NonFiniteException(step, $"perception probe loss is {value}");
            }

            loss.Backward();
            try
            {
                NonFiniteException.Guard(optimizer.Step, step);
            }
            finally
            {
                optimizer.ZeroGrad();
            }

            log(step, new Dictionary<string, double>
            {
                ["probe_loss"] = value,
                ["probe_cell_acc"] = accuracy,
                ["time_step_s"] = clock.Elapsed.TotalSeconds,
            });
        }
    }

    private static Tensor Targets(IEnumerable<long> values)
    {
        var array = values.ToArray();
        return Tensor.From<long>(array, array.Length, 1);
    }

    // −mean_m log softmax(z_m)[y_m]; z [M, C], y [M, 1] int64.
    private static Tensor CrossEntropy(Tensor logits, Tensor targets) =>
        Ops.Neg(Ops.Gather(Ops.LogSoftmax(logits, 1), 1, targets).Mean());

    /// <summary>Seeded epoch shuffles over 0..n−1.</summary>
    private sealed class Sampler(int n, ulong seed)
    {
        private readonly Random _random = new(unchecked((int)seed ^ (int)(seed >> 32)));
        private int[] _order = [];
        private int _position;

        public int[] Next(int count)
        {
            var batch = new int[count];
            for (int i = 0; i < count; i++)
            {
                if (_position == _order.Length)
                {
                    _order = Enumerable.Range(0, n).ToArray();
                    _random.Shuffle(_order);
                    _position = 0;
                }

                batch[i] = _order[_position++];
            }

            return batch;
        }
    }
}
