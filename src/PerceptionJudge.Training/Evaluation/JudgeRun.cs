using PerceptionJudge.Model.Nn.Generation;
using PerceptionJudge.Training.Rewards;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Evaluation;

/// <summary>One judge output on a held-out sample.</summary>
/// <param name="Sample">The sample.</param>
/// <param name="Seed">The decoding seed.</param>
/// <param name="Generation">The decoded judgment.</param>
/// <param name="Reward">Its task reward.</param>
/// <param name="Parsed">Whether it parses for its task.</param>
public sealed record JudgeOutputRow(JudgeSample Sample, ulong Seed, string Generation, float Reward, bool Parsed);

/// <summary>
/// Runs the judge over held-out samples: one judgment each, greedy at temperature 0 (the MLLM-as-a-Judge protocol
/// is a single answer per item), or sampled at the given temperature when seeds should differ.
/// </summary>
public static class JudgeRun
{
    /// <summary>Judges every sample once with <paramref name="seed"/>.</summary>
    public static List<JudgeOutputRow> Run(RolloutEngine engine, IReadOnlyList<JudgeSample> samples, int maxNewTokens,
        double temperature, ulong seed)
    {
        var options = new GenerationOptions
        {
            MaxNewTokens = maxNewTokens,
            Temperature = temperature,
            TopK = temperature > 0 ? 20 : 0,
            TopP = temperature > 0 ? 0.95 : 1.0,
        };
        var judgments = engine.Generate(samples, 1, options, seed);
        return judgments.Select(j => new JudgeOutputRow(
            j.Sample, seed, j.Text, JudgeRewards.Task(j.Sample.Task, j.Text, j.Sample.Label),
            JudgeRewards.Parses(j.Sample.Task, j.Text, j.Sample.Record.Responses.Count))).ToList();
    }
}
