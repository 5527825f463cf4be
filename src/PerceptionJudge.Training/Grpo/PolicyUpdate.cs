using System.Diagnostics;
using PerceptionJudge.Distributed;
using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.DataParallel;

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
/// <para>
/// Loss normaliser: each micro-batch's loss is scaled by its share of the whole mini-batch's normaliser (verl's
/// global <c>batch_num_tokens</c>): for token-mean, its valid tokens over the mini-batch's valid tokens, so the
/// mini-batch loss is Σ_tokens ℓ / N_tokens however it is cut into micro-batches; for the seq-mean modes, its rows
/// over the mini-batch's rows. Data-parallel (<paramref name="gradients"/> over K ranks): the rows are numbered and
/// shuffled globally (<see cref="GlobalRowLayout"/>), each rank trains on its rows of each mini-batch, N is
/// all-reduced, the scaled gradients are summed over ranks (not averaged) before the step, so K ranks give the
/// gradient of one rank with the whole batch.
/// </para>
/// </summary>
public sealed class PolicyUpdate(JudgePolicy policy, TrainConfig config, GradientSync? gradients = null)
{
    private static readonly string[] s_grpoKeys = ["pg_loss", "pg_clipfrac", "ppo_kl", "kl", "entropy", "loss"];
    private static readonly string[] s_perpoKeys = ["perpo_loss", "loss", "kl", "entropy"];
    private readonly float _temperature = (float)config.Rollout.Temperature;
    private readonly ICommunicator _communicator = gradients?.Communicator ?? new SingleProcessCommunicator();

    /// <summary>Runs the update; <paramref name="shuffle"/> orders rows per epoch.</summary>
    public UpdateMetrics Run(ScoredRollout batch, Func<int, int[]> shuffle, int step)
    {
        var metrics = new UpdateMetrics();
        var layout = GlobalRowLayout.Gather(batch, _communicator, config.Trainer.PromptsPerStep);
        int rows = layout.Count;
        if (rows == 0)
        {
            metrics.Values[UpdateWatch.SkippedKey] = 1;
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
        var keys = perpo ? s_perpoKeys : s_grpoKeys;
        var sums = new double[keys.Length + 1]; // the last one counts micro-batches
        int optimizerSteps = 0;
        double gradNorms = 0;
        for (int epoch = 0; epoch < config.Trainer.PpoEpochs; epoch++)
        {
            // PerPO needs whole lists in one micro-batch, so it shuffles groups; GRPO shuffles rows (verl).
            var order = perpo ? ShuffleGroups(layout.Groups, shuffle) : shuffle(rows);
            foreach (var mini in Chunks(order, miniRows, perpo ? layout.Groups : null))
            {
                var local = layout.Local(mini);
                double normaliser = Normaliser(batch, local, mini.Length);
                foreach (var micro in Chunks(local, microRows, perpo ? batch.Groups : null))
                {
                    Dictionary<string, double> terms;
                    try
                    {
                        terms = perpo
                            ? PerPOMicro(batch, micro, reference!, metrics)
                            : GrpoMicro(batch, micro, old, reference, normaliser, metrics);
                    }
                    catch (NonFiniteException e)
                    {
                        throw new NonFiniteException(step, e.What) { WeightsChanged = optimizerSteps > 0 };
                    }

                    PhaseStall.Reach(PhaseStall.Backward, step);

                    for (int k = 0; k < keys.Length; k++)
                    {
                        sums[k] += terms[keys[k]];
                    }

                    sums[^1]++;
                }

                clock.Restart();
                gradients?.AllReduceSum(); // every rank then sees the same (possibly non-finite) gradient
                double norm;
                try
                {
                    // A non-finite gradient throws before anything is written.
                    norm = NonFiniteException.Guard(policy.Optimizer.Step, step, weightsChanged: optimizerSteps > 0);
                }
                finally
                {
                    policy.Optimizer.ZeroGrad();
                }

                metrics.UpdateSeconds += clock.Elapsed.TotalSeconds;

                gradNorms += norm;
                if (++optimizerSteps == 1)
                {
                    PhaseStall.Reach(PhaseStall.Optimizer, step);
                }
            }
        }

        _communicator.AllReduceSum(sums); // means over every rank's micro-batches
        for (int k = 0; k < keys.Length; k++)
        {
            metrics.Values[keys[k]] = sums[k] / sums[^1];
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

    /// <summary>
    /// The mini-batch's loss normaliser over every rank: its valid response tokens (token-mean; summed over ranks) or
    /// its rows.
    /// </summary>
    private double Normaliser(ScoredRollout batch, int[] localRows, int globalRows)
    {
        if (config.Algorithm.LossAggMode != "token-mean")
        {
            return globalRows;
        }

        double[] tokens = [localRows.Sum(r => (double)batch.Judgments[r].ResponseIds.Length)];
        _communicator.AllReduceSum(tokens);
        return tokens[0];
    }

    private Dictionary<string, double> GrpoMicro(
        ScoredRollout batch, int[] rows, float[][]? old, float[][]? reference, double normaliser,
        UpdateMetrics metrics)
    {
        using var scope = LibTorch.NewDisposeScope();
        var seq = Pack(batch, rows);
        double share = config.Algorithm.LossAggMode == "token-mean" ? seq.ValidTokens : rows.Length;
        float scale = normaliser > 0 ? (float)(share / normaliser) : 0f;
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
            ["loss"] = scale > 0 ? terms.Loss / scale : 0,
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
        policy.Tokenizer.Chat.EndOfTextId);

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
