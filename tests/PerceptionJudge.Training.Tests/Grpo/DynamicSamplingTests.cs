using System.Diagnostics.CodeAnalysis;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Distributed;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Grpo;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Tests.Grpo;

// Prompts are numbered in the order the sampler draws them; prompt i's two judgments have rewards (0, 0) when i is in
// the flat set and (0, 1) otherwise, so the kept groups are known by hand.
[TestFixture]
public sealed class DynamicSamplingTests
{
    [Test]
    public void Disabled_IsOneRoundOfTheStepsPromptsUnfiltered()
    {
        var result = Run(Config(enable: false), flat: [0, 1, 2, 3], new SingleProcessCommunicator());

        Assert.That(result.Rounds, Is.EqualTo(1));
        Assert.That(result.Judgments.Select(j => j.Group), Is.EqualTo(new[] { 0, 0, 1, 1, 2, 2, 3, 3 }));
        Assert.That(result.Judgments.Select(Prompt).Distinct(), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    // Round 1 draws 0–3 and keeps 1, 3; round 2 draws 4–7, keeps 4 and 6, and cuts 7 (verl: batch[:traj_bsz]).
    [Test]
    public void Enabled_RefillsFromFurtherRoundsAndCutsToThePromptsPerStep()
    {
        var result = Run(Config(enable: true), flat: [0, 2, 5], new SingleProcessCommunicator());

        Assert.That(result.Rounds, Is.EqualTo(2));
        Assert.That(result.KeptGroups, Is.EqualTo(4));
        Assert.That(result.DroppedGroups, Is.EqualTo(3));
        Assert.That(result.Judgments.Select(Prompt).Distinct(), Is.EqualTo(new[] { 1, 3, 4, 6 }));
        Assert.That(result.Judgments.Select(j => j.Group), Is.EqualTo(new[] { 0, 0, 1, 1, 2, 2, 3, 3 }));
    }

    [Test]
    public void Enabled_StopsAtMaxNumGenBatchesWithTheGroupsItHas()
    {
        var flat = Enumerable.Range(0, 100).Where(i => i != 6).ToHashSet();
        var result = Run(Config(enable: true, maxRounds: 3), flat, new SingleProcessCommunicator());

        Assert.That(result.Rounds, Is.EqualTo(3));
        Assert.That(result.KeptGroups, Is.EqualTo(1));
        Assert.That(result.DroppedGroups, Is.EqualTo(11));
        Assert.That(result.Judgments.Select(Prompt).Distinct(), Is.EqualTo(new[] { 6 }));
        Assert.That(result.Judgments.Select(j => j.Group).Distinct(), Is.EqualTo(new[] { 0 }));
    }

    // Two ranks hold prompts r, r + 2 of each round; the all-reduced flags make both cut the same global groups and
    // number them as one rank with every prompt does.
    [Test]
    public void TwoRanks_KeepAndNumberTheGroupsOneRankKeeps()
    {
        int[] flatPrompts = [0, 2, 5];
        var single = Run(Config(enable: true), flatPrompts, new SingleProcessCommunicator());
        var merged = new List<(int Prompt, int Group)>();
        for (int rank = 0; rank < 2; rank++)
        {
            var ranked = Run(Config(enable: true), flatPrompts, new OtherRankFlags(rank, flatPrompts.ToHashSet(), 4));
            merged.AddRange(ranked.Judgments.Select(j => (Prompt(j), j.Group)));
            Assert.That(ranked.KeptGroups, Is.EqualTo(4));
        }

        Assert.That(merged.Distinct().OrderBy(p => p.Group),
            Is.EqualTo(single.Judgments.Select(j => (Prompt(j), j.Group)).Distinct()));
    }

    [Test]
    public void Validator_RefusesVerlsEndlessZero()
    {
        var config = new TrainConfig
        {
            Algorithm = new AlgorithmConfig { FilterGroups = new FilterGroupsConfig { MaxNumGenBatches = 0 } },
        };
        var e = Assert.Throws<TrainingException>(() => ConfigValidator.Validate(config));
        Assert.That(e!.Message, Does.Contain("algorithm.filter_groups.max_num_gen_batches"));
    }

    private static TrainConfig Config(bool enable, int maxRounds = 4) => new()
    {
        Trainer = new TrainerConfig { PromptsPerStep = 4 },
        Algorithm = new AlgorithmConfig
        {
            FilterGroups = new FilterGroupsConfig { Enable = enable, MaxNumGenBatches = maxRounds },
        },
    };

    private static SampledRollout Run(TrainConfig config, IReadOnlyCollection<int> flat, ICommunicator communicator)
    {
        int drawn = 0;
        return DynamicSampling.Collect(
            Next,
            (prompts, groups) => prompts.Zip(groups)
                .SelectMany(p => new[] { 0, 1 }.Select(k => new Judgment(p.First, p.Second, [k], $"{k}")))
                .ToList(),
            j => flat.Contains(Prompt(j)) ? 0f : j.ResponseIds[0],
            config, communicator);

        List<JudgeSample> Next()
        {
            var batch = Enumerable.Range(drawn, 4).Select(Sample).ToList();
            drawn += 4;
            return batch;
        }
    }

    private static int Prompt(Judgment j) => j.Sample.PromptIds[0];

    private static JudgeSample Sample(int i) => new(
        new PpjdRecord($"r{i}", "pair", 0, "original", "o.png", "p.png", "", "", "q", [],
            new Dictionary<string, string>(), "A", null!), [i], [i], [], $"pair{i}");

    /// <summary>This rank of two; a sum adds the other rank's kept flags of the round, known from the flat set.</summary>
    private sealed class OtherRankFlags(int rank, HashSet<int> flat, int prompts) : ICommunicator
    {
        private int _round;

        public int Rank => rank;

        public int Size => 2;

        public string Backend => "test";

        public void AllReduceSum(Span<double> values)
        {
            for (int g = 1 - rank; g < prompts; g += 2)
            {
                values[g] += flat.Contains(_round * prompts + g) ? 0 : 1;
            }

            _round++;
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
