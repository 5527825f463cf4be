using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval;

/// <summary>The three MLLM-as-a-Judge settings (Chen et al., ICML 2024): scoring, pair comparison, batch ranking.
/// </summary>
public enum JudgeTask
{
    /// <summary>Scoring evaluation: one response, a human score 1–5.</summary>
    Score,

    /// <summary>Pair comparison: two responses, a human verdict A, B or C (tie).</summary>
    Pair,

    /// <summary>Batch ranking: n responses, a human letter order best-first (<c>CDAB</c>).</summary>
    Batch,
}

/// <summary>
/// The human label of an example: exactly one member is set, according to <see cref="JudgeExample.Task"/>.
/// </summary>
/// <param name="Score">Scoring: the human score, 1..5.</param>
/// <param name="Verdict">Pair: <see cref="Verdict.A"/>, <see cref="Verdict.B"/> or <see cref="Verdict.C"/> (tie).
/// </param>
/// <param name="Ranking">Batch: a permutation of the first n letters, best first (<c>CDAB</c>).</param>
public sealed record JudgeTruth(int? Score, Verdict Verdict, string? Ranking)
{
    /// <summary>A scoring label.</summary>
    public static JudgeTruth ForScore(int score) => new(score, Verdict.None, null);

    /// <summary>A pair label.</summary>
    public static JudgeTruth ForPair(Verdict verdict) => new(null, verdict, null);

    /// <summary>A batch-ranking label (letters best-first).</summary>
    public static JudgeTruth ForBatch(string ranking) => new(null, Verdict.None, ranking);

    /// <inheritdoc/>
    public override string ToString() => Score?.ToString() ?? Ranking ?? Verdict.ToString();
}

/// <summary>
/// One judge example, whatever its source format.
/// </summary>
/// <param name="Id">Unique across the examples evaluated together: the reader writes <c>score/6</c>,
/// <c>pair/5</c>, <c>batch/200</c> (see <see cref="Input.MllmJudgeReader"/>).</param>
/// <param name="Task">Scoring, pair or batch.</param>
/// <param name="Dataset">The source dataset (<c>original_dataset</c>, e.g. <c>coco</c>); <c>unknown</c> when the
/// row has none.</param>
/// <param name="ImagePath">The image, relative to the benchmark's image root as written in the row.</param>
/// <param name="Instruction">The question or instruction shown with the image.</param>
/// <param name="Responses">The responses being judged: one (score), two (pair) or n (batch), in letter order.</param>
/// <param name="Truth">The human label.</param>
public sealed record JudgeExample(
    string Id,
    JudgeTask Task,
    string Dataset,
    string ImagePath,
    string Instruction,
    IReadOnlyList<string> Responses,
    JudgeTruth Truth);

/// <summary>One generation of the judge for one example, under one sampling seed.</summary>
/// <param name="ExampleId">The <see cref="JudgeExample.Id"/> it answers.</param>
/// <param name="Seed">The sampling seed (or run index) of the generation.</param>
/// <param name="Generation">The judge's raw text, parsed with <see cref="JudgeOutput"/>.</param>
public sealed record JudgePrediction(string ExampleId, int Seed, string Generation);
