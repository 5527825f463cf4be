using System.Diagnostics;
using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Grpo;

/// <summary>What one update over a rollout batch measured (means over micro-batches).</summary>
public sealed class UpdateMetrics
{
    /// <summary>Named values for the metrics log.</summary>
    public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Seconds in forwards (reference, old and policy).</summary>
    public double ForwardSeconds { get; set; }

    /// <summary>Seconds in backwards.</summary>
    public double BackwardSeconds { get; set; }

    /// <summary>Seconds in optimizer steps.</summary>
    public double UpdateSeconds { get; set; }
}

/// <summary>
/// Steps 5–7 of a GRPO (or PerPO) step, verl <c>dp_actor.update_policy</c> semantics: reference log-probs with
/// adapters off, old log-probs before any update (reused from the first forward when there is one epoch and one
/// mini-batch, where they are equal: TRL's <c>num_iterations == 1</c> shortcut), then for each epoch the rows are
/// shuffled into mini-batches, each mini-batch accumulates gradients over micro-batches scaled by their share, and
/// one clipped fused-AdamW step follows.
/// </summary>
public sealed class PolicyUpdate(JudgePolicy policy, TrainConfig config)
{
    private readonly float _temperature = (float)config.Rollout.Temperature;

    /// <summary>Runs the update; <paramref name="shuffle"/> orders rows per epoch.</summary>
    public UpdateMetrics Run(ScoredRollout batch, Func<int, int[]> shuffle, int step)
    {
        var metrics = new UpdateMetrics();
        int rows = batch.Judgments.Count;
        if (rows == 0)
        {
            metrics.Values["skipped_update"] = 1;
            return metrics;
        }

        var algorithm = config.Algorithm;
        int miniRows = Math.Max(1, (int)Math.Round(
            (double)rows * config.Trainer.MiniBatchPrompts / config.Trainer.PromptsPerStep));
        int microRows = Math.Max(1, config.Trainer.MicroBatchSequences);
        bool perpo = algorithm.Mode == "perpo";
        var clock = Stopwatch.StartNew();
        float[][]? reference = algorithm.UseKlLoss || perpo ? ReferenceLogProbs(batch, microRows) : null;
        float[][]? old = config.Trainer.PpoEpochs == 1 && miniRows >= rows ? null : PolicyLogProbs(batch, microRows);
        metrics.ForwardSeconds += clock.Elapsed.TotalSeconds;
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        int microBatches = 0, optimizerSteps = 0;
        double gradNorms = 0;
        for (int epoch = 0; epoch < config.Trainer.PpoEpochs; epoch++)
        {
            // PerPO needs whole lists in one micro-batch, so it shuffles groups; GRPO shuffles rows (verl).
            var order = perpo ? ShuffleGroups(batch.Groups, shuffle) : shuffle(rows);
            foreach (var mini in Chunks(order, miniRows, perpo ? batch.Groups : null))
            {
                foreach (var micro in Chunks(mini, microRows, perpo ? batch.Groups : null))
                {
                    Dictionary<string, double> terms;
                    try
                    {
                        terms = perpo
                            ? PerPOMicro(batch, micro, reference!, metrics)
                            : GrpoMicro(batch, micro, old, reference, (float)micro.Length / mini.Length, metrics);
                    }
                    catch (NonFiniteException e)
                    {
                        throw new NonFiniteException(step, e.What) { WeightsChanged = optimizerSteps > 0 };
                    }

                    foreach (var (k, v) in terms)
                    {
                        sums[k] = sums.GetValueOrDefault(k) + v;
                    }

                    microBatches++;
                }

                clock.Restart();
                double norm;
                try
                {
                    norm = policy.Optimizer.Step(); // a non-finite gradient throws before anything is written
                }
                catch (Model.ModelException e) when (e.InnerException is Kernels.Runtime.KernelInputException)
                {
                    policy.Optimizer.ZeroGrad();
                    throw new NonFiniteException(step, e.Message) { WeightsChanged = optimizerSteps > 0 };
                }

                policy.Optimizer.ZeroGrad();
                metrics.UpdateSeconds += clock.Elapsed.TotalSeconds;

                gradNorms += norm;
                optimizerSteps++;
            }
        }

        foreach (var (k, v) in sums)
        {
            metrics.Values[k] = v / microBatches;
        }

        metrics.Values["grad_norm"] = gradNorms / optimizerSteps;
        metrics.Values["optimizer_steps"] = optimizerSteps;
        return metrics;
    }

    /// <summary>Consecutive pieces of at most <paramref name="size"/> rows; with <paramref name="groups"/>, a piece
    /// ends only between groups (a group larger than size is one piece).</summary>
    internal static IEnumerable<int[]> Chunks(int[] order, int size, int[]? groups)
    {
        var piece = new List<int>();
        for (int i = 0; i < order.Length; i++)
        {
            bool groupStart = groups is null || i == 0 || groups[order[i]] != groups[order[i - 1]];
            if (piece.Count > 0 && groupStart && piece.Count + GroupRun(order, i, groups) > size)
            {
                yield return [.. piece];
                piece.Clear();
            }

            piece.Add(order[i]);
        }

        if (piece.Count > 0)
        {
            yield return [.. piece];
        }
    }

    private static int GroupRun(int[] order, int i, int[]? groups)
    {
        if (groups is null)
        {
            return 1;
        }

        int j = i;
        while (j < order.Length && groups[order[j]] == groups[order[i]])
        {
            j++;
        }

        return j - i;
    }

    private static int[] ShuffleGroups(int[] groups, Func<int, int[]> shuffle)
    {
        int count = groups.Length == 0 ? 0 : groups.Max() + 1;
        var rowsOf = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        for (int r = 0; r < groups.Length; r++)
        {
            rowsOf[groups[r]].Add(r);
        }

        return shuffle(count).SelectMany(g => rowsOf[g]).ToArray();
    }

    private Dictionary<string, double> GrpoMicro(
        ScoredRollout batch, int[] rows, float[][]? old, float[][]? reference, float scale, UpdateMetrics metrics)
    {
        using var scope = LibTorch.NewDisposeScope();
        var seq = Pack(batch, rows);
        var clock = Stopwatch.StartNew();
        var (hidden, lp) = seq.Forward(policy.Model, _temperature);
        metrics.ForwardSeconds += clock.Elapsed.TotalSeconds;
        int n = seq.Rows * seq.ResponseLength;
        var oldLp = old is null ? lp.LogProb : Gather(old, rows, seq);
        var refLp = reference is null ? new float[n] : Gather(reference, rows, seq);
        var advantages = Gather(batch.Advantages, rows, seq);
        var gradLogProb = new float[n];
        var gradEntropy = new float[n];
        var terms = GrpoLoss.Compute(config.Algorithm, lp.LogProb, oldLp, refLp, lp.Entropy, advantages,
            seq.ResponseMask, seq.Rows, seq.ResponseLength, scale, gradLogProb, gradEntropy);
        if (!double.IsFinite(terms.Loss))
        {
            throw new NonFiniteException(-1, $"loss is {terms.Loss} (pg {terms.PgLoss}, kl {terms.KlLoss})");
        }

        clock.Restart();
        LinearLogProb.Backward(hidden, policy.Model.LmHead.Weight, lp,
            config.Algorithm.EntropyCoeff == 0 ? [] : gradEntropy, gradLogProb);
        metrics.BackwardSeconds += clock.Elapsed.TotalSeconds;
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["pg_loss"] = terms.PgLoss,
            ["pg_clipfrac"] = terms.PgClipfrac,
            ["ppo_kl"] = terms.PpoKl,
            ["kl"] = terms.KlLoss,
            ["entropy"] = terms.Entropy,
            ["loss"] = terms.Loss / scale,
        };
    }

    private Dictionary<string, double> PerPOMicro(
        ScoredRollout batch, int[] rows, float[][] reference, UpdateMetrics metrics) =>
        PerPOLoss.Micro(policy, batch, rows, reference, Pack(batch, rows), config.Algorithm, _temperature, metrics);

    private float[][] ReferenceLogProbs(ScoredRollout batch, int microRows)
    {
        var (model, scope) = policy.Reference();
        using (scope)
        {
            return LogProbsByRow(batch, microRows, model);
        }
    }

    private float[][] PolicyLogProbs(ScoredRollout batch, int microRows) =>
        LogProbsByRow(batch, microRows, policy.Model);

    private float[][] LogProbsByRow(ScoredRollout batch, int microRows, Model.Nn.VisionLanguageModel model)
    {
        var output = new float[batch.Judgments.Count][];
        for (int r0 = 0; r0 < output.Length; r0 += microRows)
        {
            var rows = Enumerable.Range(r0, Math.Min(microRows, output.Length - r0)).ToArray();
            var seq = Pack(batch, rows);
            var flat = seq.LogProbs(model, _temperature);
            for (int i = 0; i < rows.Length; i++)
            {
                output[rows[i]] = flat.AsSpan(i * seq.ResponseLength, seq.ResponseLengths[i]).ToArray();
            }
        }

        return output;
    }

    internal SequenceBatch Pack(ScoredRollout batch, int[] rows) => new(
        rows.Select(r => batch.Judgments[r].Sample.PromptIds).ToList(),
        rows.Select(r => batch.Judgments[r].ResponseIds).ToList(),
        rows.Select(r => batch.Judgments[r].Sample.Pixels).ToList(),
        policy.ImageSize,
        policy.Tokenizer.TokenToId(Model.Tokenizer.TinyVocabulary.EndOfText) ?? 0);

    /// <summary>Per-row arrays laid out as the micro-batch's [rows, R] (zeros on padding).</summary>
    internal static float[] Gather(float[][] byRow, int[] rows, SequenceBatch seq)
    {
        var flat = new float[seq.Rows * seq.ResponseLength];
        for (int i = 0; i < rows.Length; i++)
        {
            var src = byRow[rows[i]];
            src.AsSpan(0, Math.Min(src.Length, seq.ResponseLengths[i])).CopyTo(flat.AsSpan(i * seq.ResponseLength));
        }

        return flat;
    }
}
