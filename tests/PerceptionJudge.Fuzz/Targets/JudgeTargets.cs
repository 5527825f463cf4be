using System.Text;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Rewards;

namespace PerceptionJudge.Fuzz.Targets;

/// <summary>
/// The free text a model generates: the judge-output parsers (scores, verdicts, rankings, answer tags,
/// <c>&lt;think&gt;</c>/<c>&lt;answer&gt;</c> blocks), and the rewards computed from it against a dataset label.
/// Besides not throwing, every reward must be finite and the task reward lie in [0, 1].
/// </summary>
public static class JudgeTargets
{
    private static readonly string[] s_tokens =
    [
        "<answer>", "</answer>", "<think>", "</think>", "[[A]]", "[[B]]", "[[C]]", "A: 3, B: 5", "B > C > A", "3, 5, 1",
        "<|im_end|>", "BCA", "score", "pair", "batch_ranking", "99999999999999999999", "٣", "\n", ";",
    ];

    private static readonly RewardConfig s_reward = new();

    /// <summary>The targets of this family.</summary>
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "judge-output", "a generation: JudgeOutput's score, verdict, ranking and letter parsers, AnswerTags",
            input => ParseOutput(Encoding.UTF8.GetString(input)), [typeof(KernelInputException)], s_tokens);
        yield return new FuzzTarget(
            "rewards", "line 1 \"TASK LABEL\", line 2 key facts (;-separated), the rest a generation: task and Perception-R1 rewards",
            Rewards, [typeof(KernelInputException), typeof(TrainingException)], s_tokens);
    }

    private static void ParseOutput(string text)
    {
        Span<int> position = stackalloc int[JudgeOutput.MaxResponses];
        Span<Range> tags = stackalloc Range[JudgeOutput.MaxResponses + 1];
        int parsed = JudgeOutput.TryGetLastAnswer(text, out var content) ? content.Length : -1;
        parsed += JudgeOutput.AnswerRegion(text).Length;
        parsed += JudgeOutput.TryParseScore(text, out double score) && double.IsNaN(score) ? 1 : 0;
        parsed += (int)JudgeOutput.ParseVerdict(text);
        for (int n = 1; n <= JudgeOutput.MaxResponses; n++)
        {
            parsed += JudgeOutput.TryParseRanking(text, n, position) ? 1 : 0;
        }
        parsed += JudgeOutput.ParseLetterPermutation(content, position);
        int found = Math.Min(AnswerTags.Find(text, tags), JudgeOutput.MaxResponses);
        parsed += AnswerTags.TryRank(text, tags[..found], position[..found]) ? 1 : 0;
        GC.KeepAlive(parsed);
    }

    private static void Rewards(byte[] input)
    {
        string[] parts = Encoding.UTF8.GetString(input).Split('\n', 3);
        string[] head = parts[0].Split(' ', 2);
        string task = head[0], label = head.Length > 1 ? head[1] : "";
        string generation = parts.Length > 2 ? parts[2] : "";
        string[] facts = parts.Length > 1 ? parts[1].Split(';', StringSplitOptions.RemoveEmptyEntries) : [];
        float reward = JudgeRewards.Task(task, generation, label);
        if (!(reward >= 0f && reward <= 1f))
        {
            throw new FuzzPropertyException($"{task} reward {reward} lies outside [0, 1]");
        }
        GC.KeepAlive(JudgeRewards.Parses(task, generation, Math.Clamp(label.Length, 1, JudgeOutput.MaxResponses)));
        var (total, _, _, _, _) = PerceptionR1Reward.Compute(generation, reward, facts, thinkPrefix: true, s_reward);
        if (!float.IsFinite(total))
        {
            throw new FuzzPropertyException($"Perception-R1 reward {total} is not finite");
        }
    }
}
