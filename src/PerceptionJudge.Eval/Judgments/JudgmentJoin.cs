using PerceptionJudge.Eval.Metrics;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Judgments;

/// <summary>Why a row did not reach the metrics. Every reason is counted and reported; nothing is dropped silently.
/// JSON names: <see cref="JudgmentJoin.ReasonName"/>.</summary>
public enum SkipReason
{
    /// <summary>A human row whose key an earlier human row already had (the first is kept).</summary>
    DuplicateHumanKey,

    /// <summary>A judgment row whose key an earlier judgment row already had (the first is kept).</summary>
    DuplicateJudgmentKey,

    /// <summary>A human row with no judgment row of the same key.</summary>
    HumanWithoutJudgment,

    /// <summary>A judgment row with no human row of the same key.</summary>
    JudgmentWithoutHuman,

    /// <summary>The human row has no <c>human</c> / <c>human_answer</c> (or it is null).</summary>
    HumanMissing,

    /// <summary>The human label is -1.</summary>
    HumanMinusOne,

    /// <summary>The human label does not parse as the task's label.</summary>
    HumanUnparsable,

    /// <summary>The judgment row has no <c>result.judge</c> (or it is null).</summary>
    JudgmentMissing,

    /// <summary>The judgment is -1.</summary>
    JudgmentMinusOne,

    /// <summary>The judgment does not parse as the task's label.</summary>
    JudgmentUnparsable,
}

/// <summary>A label of any task after parsing: the member of its task is set.</summary>
/// <param name="Score">Score task: the score.</param>
/// <param name="Verdict">Pair task: <see cref="Verdict.A"/>, <see cref="Verdict.B"/> or <see cref="Verdict.C"/>.
/// </param>
/// <param name="Order">Batch task: the letters best-first (<c>CDAB</c>).</param>
public readonly record struct ParsedLabel(double Score, Verdict Verdict, string? Order);

/// <summary>A joined row that reaches the metrics.</summary>
/// <param name="Key">The task's key.</param>
/// <param name="Dataset"><c>original_dataset</c> of the human row, else of the judgment row, else <c>unknown</c>.
/// </param>
/// <param name="Human">The human label.</param>
/// <param name="Judge">The judgment.</param>
public sealed record JudgedRow(string Key, string Dataset, ParsedLabel Human, ParsedLabel Judge);

/// <summary>The joined rows (in human-file order) and the count of every skip reason (all reasons, zeros too, in
/// the order of <see cref="SkipReason"/>).</summary>
public sealed record JoinResult(IReadOnlyList<JudgedRow> Rows, IReadOnlyList<KeyValuePair<SkipReason, int>> Skipped);

/// <summary>
/// Joins human labels and recorded judgments on the task's key (<see cref="JudgmentFile.KeyField"/>) and parses both
/// sides with the parsers the rewards and <c>pjudge eval</c> use (<see cref="JudgeOutput"/>):
/// <list type="bullet">
/// <item>score: <see cref="JudgeOutput.TryParseScore"/> (a number, <c>4</c> or <c>"4"</c>; raw text parses when its
/// answer region is one number);</item>
/// <item>pair: <see cref="JudgeOutput.ParseVerdict"/> (<c>A</c>, <c>B</c>, <c>C</c>, <c>[[A]]</c>, or two answer
/// tags); only A, B or C counts as parsed;</item>
/// <item>batch: the human order with <see cref="JudgeOutput.ParseLetterPermutation"/>, which fixes n; the judgment with
/// <see cref="BatchRankingDistance.ParseOrder"/> for those n responses (<c>DACB</c>, <c>[[D], [A], [C], [B]]</c>,
/// scores).</item>
/// </list>
/// <b>Duplicate keys</b>: the first row of a key is kept and every later one is counted as
/// <see cref="SkipReason.DuplicateHumanKey"/> or <see cref="SkipReason.DuplicateJudgmentKey"/>. A key on one side
/// only is <see cref="SkipReason.HumanWithoutJudgment"/> or <see cref="SkipReason.JudgmentWithoutHuman"/>. For a
/// matched key the human label is checked first (missing, -1, unparsable), then the judgment; a row is counted under
/// its first failing reason only.
/// </summary>
public static class JudgmentJoin
{
    /// <summary>The JSON name of a reason: snake_case, <c>judgment_unparsable</c>.</summary>
    public static string ReasonName(SkipReason reason) => reason switch
    {
        SkipReason.DuplicateHumanKey => "duplicate_human_key",
        SkipReason.DuplicateJudgmentKey => "duplicate_judgment_key",
        SkipReason.HumanWithoutJudgment => "human_without_judgment",
        SkipReason.JudgmentWithoutHuman => "judgment_without_human",
        SkipReason.HumanMissing => "human_missing",
        SkipReason.HumanMinusOne => "human_minus_one",
        SkipReason.HumanUnparsable => "human_unparsable",
        SkipReason.JudgmentMissing => "judgment_missing",
        SkipReason.JudgmentMinusOne => "judgment_minus_one",
        SkipReason.JudgmentUnparsable => "judgment_unparsable",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown skip reason"),
    };

    /// <summary>Joins <paramref name="human"/> and <paramref name="judgments"/> rows of <paramref name="task"/>.
    /// </summary>
    public static JoinResult Join(JudgeTask task, IReadOnlyList<JudgmentRow> human, IReadOnlyList<JudgmentRow> judgments)
    {
        var skipped = Enum.GetValues<SkipReason>().ToDictionary(r => r, _ => 0);
        var humanByKey = FirstByKey(human, SkipReason.DuplicateHumanKey, skipped);
        var judgmentByKey = FirstByKey(judgments, SkipReason.DuplicateJudgmentKey, skipped);
        skipped[SkipReason.JudgmentWithoutHuman] = judgmentByKey.Keys.Count(k => !humanByKey.ContainsKey(k));

        var rows = new List<JudgedRow>();
        foreach (var h in humanByKey.Values)
        {
            if (!judgmentByKey.TryGetValue(h.Key, out var j))
            {
                skipped[SkipReason.HumanWithoutJudgment]++;
                continue;
            }

            if (Classify(task, h.Label, j.Label, out var humanLabel, out var judgeLabel) is { } reason)
            {
                skipped[reason]++;
                continue;
            }

            rows.Add(new JudgedRow(h.Key, h.Dataset ?? j.Dataset ?? "unknown", humanLabel, judgeLabel));
        }

        return new JoinResult(rows, skipped.OrderBy(kv => kv.Key).ToArray());
    }

    /// <summary>The first row of each key, in file order (a <see cref="Dictionary{TKey,TValue}"/> with no removals
    /// enumerates in insertion order); later rows of a key are counted under <paramref name="duplicate"/>.</summary>
    private static Dictionary<string, JudgmentRow> FirstByKey(
        IReadOnlyList<JudgmentRow> rows, SkipReason duplicate, Dictionary<SkipReason, int> skipped)
    {
        var byKey = new Dictionary<string, JudgmentRow>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!byKey.TryAdd(row.Key, row))
            {
                skipped[duplicate]++;
            }
        }

        return byKey;
    }

    /// <summary>Null when both labels parse; else the first failing reason, the human side first.</summary>
    private static SkipReason? Classify(JudgeTask task, RawLabel human, RawLabel judgment,
        out ParsedLabel humanLabel, out ParsedLabel judgeLabel)
    {
        humanLabel = judgeLabel = default;
        if (Check(human, SkipReason.HumanMissing, SkipReason.HumanMinusOne) is { } humanReason)
        {
            return humanReason;
        }

        if (!TryParseHuman(task, human.Text, out humanLabel))
        {
            return SkipReason.HumanUnparsable;
        }

        if (Check(judgment, SkipReason.JudgmentMissing, SkipReason.JudgmentMinusOne) is { } judgmentReason)
        {
            return judgmentReason;
        }

        return TryParseJudgment(task, judgment.Text, humanLabel, out judgeLabel) ? null : SkipReason.JudgmentUnparsable;
    }

    private static SkipReason? Check(RawLabel label, SkipReason missing, SkipReason minusOne) => label.Kind switch
    {
        RawLabelKind.Missing => missing,
        RawLabelKind.MinusOne => minusOne,
        _ => null,
    };

    private static bool TryParseHuman(JudgeTask task, string text, out ParsedLabel label)
    {
        if (task != JudgeTask.Batch)
        {
            return TryParseJudgment(task, text, default, out label);
        }

        Span<int> position = stackalloc int[JudgeOutput.MaxResponses];
        int n = JudgeOutput.ParseLetterPermutation(text, position);
        label = n > 0 ? new ParsedLabel(0, Verdict.None, RankingText.FromPositions(position[..n])) : default;
        return n > 0;
    }

    /// <summary>A judgment (or a score / pair human label); a batch judgment ranks as many responses as
    /// <paramref name="human"/>'s order.</summary>
    private static bool TryParseJudgment(JudgeTask task, string text, ParsedLabel human, out ParsedLabel label)
    {
        label = default;
        switch (task)
        {
            case JudgeTask.Score:
                bool scored = JudgeOutput.TryParseScore(text, out double score);
                label = new ParsedLabel(score, Verdict.None, null);
                return scored;
            case JudgeTask.Pair:
                var verdict = JudgeOutput.ParseVerdict(text);
                label = new ParsedLabel(0, verdict, null);
                return verdict is Verdict.A or Verdict.B or Verdict.C;
            default:
                string? order = BatchRankingDistance.ParseOrder(text, human.Order!.Length);
                label = new ParsedLabel(0, Verdict.None, order);
                return order is not null;
        }
    }
}
