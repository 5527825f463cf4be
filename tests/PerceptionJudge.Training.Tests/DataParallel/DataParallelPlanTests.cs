using System.Diagnostics.CodeAnalysis;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Distributed;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.DataParallel;
using PerceptionJudge.Training.Grpo;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Tests.DataParallel;

[TestFixture]
public sealed class DataParallelPlanTests
{
    [TestCase(8, 1)]
    [TestCase(8, 2)]
    [TestCase(9, 3)]
    [TestCase(4, 4)]
    public void Shard_GivesEachRankEveryKthPromptAndTheRanksTogetherTheWholeBatchOnce(int prompts, int ranks)
    {
        var global = Enumerable.Range(0, prompts).Select(Sample).ToList();
        var seen = new List<int>();
        for (int rank = 0; rank < ranks; rank++)
        {
            var (mine, index) = DataParallelPlan.Shard(global, rank, ranks);
            Assert.That(index, Is.EqualTo(Enumerable.Range(0, prompts / ranks).Select(i => rank + i * ranks)));
            Assert.That(mine, Is.EqualTo(index.Select(g => global[g])));
            seen.AddRange(index);
        }

        Assert.That(seen.Order(), Is.EqualTo(Enumerable.Range(0, prompts)));
    }

    [Test]
    public void Validate_PromptsNotDivisibleByTheRanks_NamesTheKeyAndTheFix()
    {
        var config = new TrainConfig { Trainer = new TrainerConfig { PromptsPerStep = 6 } };
        DataParallelPlan.Validate(config, 1);
        DataParallelPlan.Validate(config, 3);
        var e = Assert.Throws<TrainingException>(() => DataParallelPlan.Validate(config, 4));
        Assert.That(e!.Message, Does.Contain("trainer.prompts_per_step").And.Contain("multiple of 4"));
    }

    [TestCase("algorithm.mode")]
    [TestCase("algorithm.adv_estimator")]
    [TestCase("algorithm.loss_agg_mode")]
    public void Validate_WhatOneRankCannotShare_IsRejectedForSeveralRanksOnly(string key)
    {
        var algorithm = key switch
        {
            "algorithm.mode" => new AlgorithmConfig { Mode = "perpo" },
            "algorithm.adv_estimator" => new AlgorithmConfig { AdvEstimator = "reinforce_plus_plus" },
            _ => new AlgorithmConfig { LossAggMode = "seq-mean-token-sum-norm" },
        };
        var config = new TrainConfig { Algorithm = algorithm, Trainer = new TrainerConfig { PromptsPerStep = 4 } };
        DataParallelPlan.Validate(config, 1);
        var e = Assert.Throws<TrainingException>(() => DataParallelPlan.Validate(config, 2));
        Assert.That(e!.Message, Does.Contain(key));
    }

    // 4 prompts, n = 2, two ranks: rank 0 holds prompts 0 and 2, rank 1 prompts 1 and 3 and dropped group 3. The
    // global rows are ordered by prompt then sample, as one rank with every prompt orders them.
    [Test]
    public void GlobalRowLayout_NumbersTheKeptRowsAsOneRankWouldAndMapsThisRanksOwn()
    {
        var rank0 = Scored((0, 2), (2, 2));
        var rank1 = Scored((1, 2));
        var layout = GlobalRowLayout.Gather(rank0, new TwoRanks(0, Counts(rank1, 4)), 4);

        Assert.That(layout.Count, Is.EqualTo(6));
        Assert.That(layout.Owner, Is.EqualTo(new[] { 0, 0, 1, 1, 0, 0 }));
        Assert.That(layout.LocalRow, Is.EqualTo(new[] { 0, 1, -1, -1, 2, 3 }));
        Assert.That(layout.Groups, Is.EqualTo(new[] { 0, 0, 1, 1, 2, 2 }));
        Assert.That(layout.Local([5, 2, 0, 3]), Is.EqualTo(new[] { 3, 0 }));

        var other = GlobalRowLayout.Gather(rank1, new TwoRanks(1, Counts(rank0, 4)), 4);
        Assert.That(other.Owner, Is.EqualTo(layout.Owner));
        Assert.That(other.LocalRow, Is.EqualTo(new[] { -1, -1, 0, 1, -1, -1 }));
    }

    private static double[] Counts(ScoredRollout batch, int prompts)
    {
        var counts = new double[prompts];
        foreach (var j in batch.Judgments)
        {
            counts[j.Group]++;
        }

        return counts;
    }

    private static ScoredRollout Scored(params (int Group, int Rows)[] groups)
    {
        var judgments = groups.SelectMany(g => Enumerable.Range(0, g.Rows)
            .Select(k => new Judgment(Sample(g.Group), g.Group, [k + 1], $"{k}"))).ToList();
        return new ScoredRollout(judgments, new float[judgments.Count], new int[judgments.Count], [], 0, []);
    }

    private static JudgeSample Sample(int i) => new(
        new PpjdRecord($"r{i}", "pair", 0, "original", "o.png", "p.png", "", "", "q", [],
            new Dictionary<string, string>(), "A", null!), [i], [i], [], $"pair{i}");

    /// <summary>This rank of two; a sum adds the other rank's contribution, given up front.</summary>
    private sealed class TwoRanks(int rank, double[] other) : ICommunicator
    {
        public int Rank => rank;

        public int Size => 2;

        public string Backend => "test";

        public void AllReduceSum(Span<double> values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += other[i];
            }
        }

        public void Barrier() => throw new NotSupportedException();

        public void AllReduceSum(Span<float> values) => throw new NotSupportedException();

        public void AllReduce(Span<double> statistics, ReduceOp op) => throw new NotSupportedException();

        public void Broadcast(Span<byte> buffer, int root) => throw new NotSupportedException();

        public void Broadcast(Span<float> buffer, int root) => throw new NotSupportedException();

        public void AllGather(ReadOnlySpan<int> mine, Span<int> all) => throw new NotSupportedException();

        public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => throw new NotSupportedException();

        [DoesNotReturn]
        public void Abort(int exitCode, string reason) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
