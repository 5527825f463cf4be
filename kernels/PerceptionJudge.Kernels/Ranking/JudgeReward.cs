namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// Rule-based rewards for judge generations (verl <c>compute_score(solution_str, ground_truth)</c> shape),
/// dispatched to the implementation of <see cref="Runtime.KernelBackend.Current"/>. Model output never throws:
/// what does not parse scores 0. A malformed ground truth is a user error
/// (<see cref="Runtime.KernelInputException"/> on <c>ground_truth</c>).
/// </summary>
public static class JudgeReward
{
    /// <summary>
    /// Batch-ranking reward (CLI op <c>batch_ranking_reward</c>), the released Perception-Judge reward.
    /// <paramref name="groundTruth"/> ranks n = 2..26 responses best-first by letter, either case (A = first
    /// response): <c>"BCA"</c>, <c>"bca"</c> or <c>"B &gt; C &gt; A"</c>. The judge's ranking is read by
    /// <see cref="JudgeOutput.TryParseRanking"/>: one <c>&lt;answer&gt;N&lt;/answer&gt;</c> per response, in
    /// response order, anywhere in the output (<see cref="AnswerTags"/>), higher score = better; or, when the output
    /// has no such tag, from its last answer block (scores in response order, labelled scores, or a letter
    /// permutation). Reward = <c>1 − D / C(n,2)</c> with D the response pairs the two rankings order differently;
    /// 0 for a wrong count, equal scores or garbage. For n = 3 the values are {1, 2/3, 1/3, 0}.
    /// </summary>
    public static float BatchRanking(string solutionStr, string groundTruth) =>
        RankingKernels.Current.BatchRankingReward(solutionStr, groundTruth);

    /// <summary>
    /// Pair reward (CLI op <c>pair_reward</c>): 1 when the verdict parsed by <see cref="JudgeOutput.ParseVerdict"/>
    /// (two answer tags: A when the first score is higher, C on a tie; else <c>[[A]]</c> and the like) equals
    /// <paramref name="groundTruth"/> (<c>A</c>, <c>B</c> or <c>C</c> = tie, either case), else 0; no verdict or
    /// conflicting verdicts give 0.
    /// </summary>
    public static float Pair(string solutionStr, string groundTruth) =>
        RankingKernels.Current.PairReward(solutionStr, groundTruth);

    /// <summary>The batch-ranking reward of each row (one rollout batch); rows run in parallel on the CPU backend.
    /// </summary>
    public static void BatchRanking(
        IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards) =>
        RankingKernels.Current.BatchRankingReward(solutions, groundTruths, rewards);
}
