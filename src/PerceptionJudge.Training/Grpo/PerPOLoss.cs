using System.Diagnostics;
using PerceptionJudge.Kernels.Listwise;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Grpo;

/// <summary>
/// PerPO mode (Zhu et al. 2025, arXiv 2502.04371): the n judgments of a prompt form a best-of-N list ranked by
/// reward, and the listwise loss (Kernels.Listwise.PerPO) pushes the implicit rewards
/// <c>β(log π − log π_ref)</c> of sequences apart by the reward margin. Sequence log-probs are the sums of their
/// token log-probs, so d loss / d logp of every response token is the sequence's gradient.
/// </summary>
internal static class PerPOLoss
{
    public static Dictionary<string, double> Micro(JudgePolicy policy, ScoredRollout batch, int[] rows,
        float[][] reference, SequenceBatch seq, AlgorithmConfig config, float temperature, UpdateMetrics metrics)
    {
        using var scope = LibTorch.NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var (hidden, lp) = seq.Forward(policy.Model, temperature);
        metrics.ForwardSeconds += clock.Elapsed.TotalSeconds;
        int cols = seq.ResponseLength;
        var policyLogp = new float[rows.Length];
        var refLogp = new float[rows.Length];
        var rewards = new float[rows.Length];
        var groups = new int[rows.Length];
        var dense = new Dictionary<int, int>();
        for (int i = 0; i < rows.Length; i++)
        {
            int length = seq.ResponseLengths[i];
            for (int j = 0; j < length; j++)
            {
                policyLogp[i] += lp.LogProb[i * cols + j];
            }

            foreach (float x in reference[rows[i]])
            {
                refLogp[i] += x;
            }

            rewards[i] = batch.Rewards[rows[i]];
            int g = batch.Groups[rows[i]];
            if (!dense.TryGetValue(g, out int d))
            {
                d = dense.Count;
                dense.Add(g, d);
            }

            groups[i] = d;
        }

        var gradSeq = new float[rows.Length];
        float loss = PerPO.Loss(policyLogp, refLogp, rewards, GroupIndex.FromDense(groups, dense.Count),
            new PerPOOptions { Beta = (float)config.PerpoBeta }, gradSeq);
        if (!float.IsFinite(loss))
        {
            throw new NonFiniteException(-1, $"PerPO loss is {loss}");
        }

        var gradLogProb = new float[rows.Length * cols];
        for (int i = 0; i < rows.Length; i++)
        {
            gradLogProb.AsSpan(i * cols, seq.ResponseLengths[i]).Fill(gradSeq[i]);
        }

        clock.Restart();
        LinearLogProb.Backward(hidden, policy.Model.LmHead.Weight, lp, [], gradLogProb);
        metrics.BackwardSeconds += clock.Elapsed.TotalSeconds;
        double kl = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            kl += (policyLogp[i] - refLogp[i]) / Math.Max(1, seq.ResponseLengths[i]);
        }

        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["perpo_loss"] = loss,
            ["loss"] = loss,
            ["kl"] = kl / rows.Length,
            ["entropy"] = Mean(lp.Entropy, seq.ResponseMask),
        };
    }

    internal static double Mean(float[] values, float[] mask)
    {
        double s = 0, w = 0;
        for (int i = 0; i < values.Length; i++)
        {
            s += values[i] * mask[i];
            w += mask[i];
        }

        return w > 0 ? s / w : 0;
    }
}
