using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Training.Rewards;

/// <summary>
/// The reward of one judge generation against its record, chosen by record type (Perception-Judge's rule rewards,
/// verl <c>compute_score</c> shape): batch_ranking → <c>1 − D / C(n,2)</c> (<c>JudgeReward.BatchRanking</c>);
/// pair → verdict equals the label (<see cref="JudgeReward.Pair"/>); score → the parsed score equals the label.
/// Unparseable output scores 0, never throws.
/// </summary>
public static class JudgeRewards
{
    /// <summary>The task reward in [0, 1].</summary>
    public static float Task(string task, string generation, string label) => task switch
    {
        PpjdTask.BatchRanking => JudgeReward.BatchRanking(generation, label),
        PpjdTask.Pair => JudgeReward.Pair(generation, label),
        PpjdTask.Score => Score(generation, label),
        _ => throw new TrainingException($"no reward for task '{task}'; valid: score, pair, batch_ranking"),
    };

    /// <summary>Score items: 1 when the answer is exactly the label's number (1 right, 0 wrong), else 0.</summary>
    public static float Score(string generation, string label) =>
        JudgeOutput.TryParseScore(generation, out double s) && double.TryParse(label, out double truth) && s == truth
            ? 1f
            : 0f;

    /// <summary>Whether the generation parses at all for its task (the eval's parse-failure rate counts the rest).
    /// </summary>
    public static bool Parses(string task, string generation, int responses)
    {
        Span<int> position = stackalloc int[JudgeOutput.MaxResponses];
        return task switch
        {
            PpjdTask.BatchRanking => JudgeOutput.TryParseRanking(generation, responses, position),
            PpjdTask.Pair => JudgeOutput.ParseVerdict(generation) is Verdict.A or Verdict.B or Verdict.C,
            _ => JudgeOutput.TryParseScore(generation, out _),
        };
    }
}
