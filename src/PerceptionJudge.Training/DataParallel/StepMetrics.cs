using PerceptionJudge.Distributed;
using PerceptionJudge.Training.Grpo;
using PerceptionJudge.Training.Rollout;

namespace PerceptionJudge.Training.DataParallel;

/// <summary>
/// The rollout metrics of a step over the global batch: each rank sums its judgments' values, the sums are
/// all-reduced (one vector, then the squared deviations for the std, then max and min), so every rank reports what
/// one process with every prompt would: <c>reward_mean</c>, unbiased <c>reward_std</c>,
/// <c>reward_&lt;task&gt;_mean</c>, <c>dropped_groups</c>, <c>response_length</c>, <c>adv_mean/max/min</c> (first-token advantage of kept rows) and
/// the step's tokens (prompt + response) for <c>tokens_per_s</c>.
/// </summary>
public static class StepMetrics
{
    /// <summary>Adds the metrics to <paramref name="metrics"/> and returns the global token count.</summary>
    public static long Rollout(IReadOnlyList<Judgment> judgments, ScoredRollout scored, IReadOnlyList<string> tasks,
        ICommunicator communicator, Dictionary<string, double> metrics)
    {
        var all = scored.AllRewards;
        var adv = scored.Advantages.Where(a => a.Length > 0).Select(a => (double)a[0]).ToArray();
        const int Fixed = 7;
        var sums = new double[Fixed + 2 * tasks.Count];
        sums[0] = all.Sum(x => (double)x);
        sums[1] = all.Length;
        sums[2] = judgments.Sum(j => (double)j.ResponseIds.Length);
        sums[3] = scored.DroppedGroups;
        sums[4] = adv.Sum();
        sums[5] = adv.Length;
        sums[6] = judgments.Sum(j => (double)j.ResponseIds.Length + j.Sample.PromptIds.Length);
        for (int i = 0; i < judgments.Count; i++)
        {
            int t = IndexOf(tasks, judgments[i].Sample.Task);
            if (t >= 0)
            {
                sums[Fixed + 2 * t] += all[i];
                sums[Fixed + 2 * t + 1]++;
            }
        }

        communicator.AllReduceSum(sums);
        double count = sums[1], mean = count > 0 ? sums[0] / count : 0;
        double[] squares = [all.Sum(x => (x - mean) * (x - mean))];
        communicator.AllReduceSum(squares);
        double[] max = [adv.Length > 0 ? adv.Max() : double.NegativeInfinity];
        double[] min = [adv.Length > 0 ? adv.Min() : double.PositiveInfinity];
        communicator.AllReduce(max, ReduceOp.Max);
        communicator.AllReduce(min, ReduceOp.Min);

        metrics["reward_mean"] = mean;
        metrics["reward_std"] = count > 1 ? Math.Sqrt(squares[0] / (count - 1)) : 0;
        for (int t = 0; t < tasks.Count; t++)
        {
            if (sums[Fixed + 2 * t + 1] > 0)
            {
                metrics[$"reward_{tasks[t]}_mean"] = sums[Fixed + 2 * t] / sums[Fixed + 2 * t + 1];
            }
        }

        metrics["dropped_groups"] = sums[3];
        metrics["response_length"] = count > 0 ? sums[2] / count : 0;
        metrics["adv_mean"] = sums[5] > 0 ? sums[4] / sums[5] : 0;
        metrics["adv_max"] = sums[5] > 0 ? max[0] : 0;
        metrics["adv_min"] = sums[5] > 0 ? min[0] : 0;
        return (long)sums[6];
    }

    private static int IndexOf(IReadOnlyList<string> tasks, string task)
    {
        for (int i = 0; i < tasks.Count; i++)
        {
            if (tasks[i] == task)
            {
                return i;
            }
        }

        return -1;
    }
}
