namespace PerceptionJudge.Cli.Math.Ops;

/// <summary>The list of wired ops; one adapter file per op in this folder.</summary>
internal static class AllOps
{
    public static IEnumerable<MathOp> Create() =>
    [
        new AdvantageOp(),
        new TrlAdvantageOp(),
        new PolicyLossOp(),
        new KlPenaltyOp(),
        new AggLossOp(),
        new EntropyOp(),
        new LogProbOp(),
        new PerPOLossOp(),
        new BatchRankingRewardOp(),
        new PairRewardOp(),
        new KendallTauOp(),
        new SpearmanOp(),
        new LevenshteinOp(),
        new NdcgOp(),
    ];
}
