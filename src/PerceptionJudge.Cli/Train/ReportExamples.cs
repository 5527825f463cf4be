using System.Globalization;
using PerceptionJudge.Eval.Report;
using PerceptionJudge.Training.Evaluation;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// The report's example judgments: held-out records judged by the SFT base and by the GRPO judge under the same
/// decoding seed, shown side by side. Per task, in record order: the first record where GRPO's reward is higher,
/// the first where it is lower and the first where it is the same (then the next records, up to two per task), each
/// from an image pair not shown yet where there is one, so the page shows what changed, on several records, without
/// being picked for a story.
/// </summary>
internal static class ReportExamples
{
    /// <summary>The column headings of the two judges.</summary>
    public const string BeforeJudge = "SFT base (before GRPO)", AfterJudge = "after GRPO";

    /// <summary>How the examples were picked, for the line above them.</summary>
    public static string Note(ulong seed) =>
        $"Held-out records, decoding seed {seed}. Per task, in record order: the first record where the reward " +
        "rose after GRPO, the first where it fell and the first where it stayed the same (at least two per task), " +
        "each from an image pair not shown yet where possible. Both judges saw the same image, shown here at the " +
        "size the model reads.";

    /// <summary>
    /// Examples from the rows of the first seed that both evaluations judged; <paramref name="datasetFolder"/> holds
    /// the images.
    /// </summary>
    public static List<ExampleJudgment> Pick(string datasetFolder, IReadOnlyList<JudgeOutputRow> before,
        IReadOnlyList<JudgeOutputRow> after)
    {
        if (before.Count == 0 || after.Count == 0)
        {
            return [];
        }

        ulong seed = before[0].Seed;
        var afterById = after.Where(r => r.Seed == seed).ToDictionary(r => r.Sample.Record.Id, StringComparer.Ordinal);
        var pairs = before.Where(r => r.Seed == seed && afterById.ContainsKey(r.Sample.Record.Id))
            .Select(r => (Before: r, After: afterById[r.Sample.Record.Id]))
            .ToArray();
        var picked = new List<ExampleJudgment>();
        var shownPairs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in pairs.GroupBy(p => p.Before.Sample.Task))
        {
            int fromTask = 0;
            foreach (int? change in new int?[] { 1, -1, 0, null, null })
            {
                var candidates = task.Where(p => !picked.Any(e => e.Id == p.Before.Sample.Record.Id)
                    && (change is { } c ? Change(p) == c : fromTask < 2)).ToArray();
                if (candidates.Length == 0)
                {
                    continue;
                }

                var fresh = candidates.Where(p => !shownPairs.Contains(p.Before.Sample.PairKey)).ToArray();
                var pick = fresh.Length > 0 ? fresh[0] : candidates[0];
                picked.Add(Example(datasetFolder, pick.Before, pick.After, Change(pick)));
                shownPairs.Add(pick.Before.Sample.PairKey);
                fromTask++;
            }
        }

        return picked;
    }

    private static int Change((JudgeOutputRow Before, JudgeOutputRow After) p) =>
        System.Math.Sign(p.After.Reward - p.Before.Reward);

    private static ExampleJudgment Example(string datasetFolder, JudgeOutputRow before, JudgeOutputRow after,
        int change)
    {
        var r = before.Sample.Record;
        string file = Path.Combine(datasetFolder, r.ShownImage);
        string moved = change switch { > 0 => "reward rose", < 0 => "reward fell", _ => "reward the same" };
        string reward = string.Create(CultureInfo.InvariantCulture, $"{before.Reward:0.###} → {after.Reward:0.###}");
        return new ExampleJudgment(r.Id, File.Exists(file) ? File.ReadAllBytes(file) : null, r.Question, r.Responses,
            r.Label,
            [
                new JudgeVerdict(BeforeJudge, before.Generation, before.Reward),
                new JudgeVerdict(AfterJudge, after.Generation, after.Reward),
            ],
            $"{r.Task} · shown: the {r.Image} image · edit: {r.Perturbation.Description} · {moved} ({reward})");
    }
}
