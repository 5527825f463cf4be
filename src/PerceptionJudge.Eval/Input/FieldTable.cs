namespace PerceptionJudge.Eval.Input;

/// <summary>What a field of an MLLM-as-a-Judge row means to the reader.</summary>
internal enum FieldRole
{
    /// <summary>The example id when present (<c>score_id</c>, <c>pair_id</c>): unique per row in the release.</summary>
    PreferredId,

    /// <summary><c>id</c>: the image/instruction id; the example id when there is no preferred id.</summary>
    Id,

    /// <summary><c>original_dataset</c>.</summary>
    Dataset,

    /// <summary><c>image_path</c>.</summary>
    ImagePath,

    /// <summary><c>instruction</c>.</summary>
    Instruction,

    /// <summary>A response: a string, or an object <c>{"name", "answer"}</c> (score rows keep it flat as
    /// <c>answer</c>).</summary>
    Answer,

    /// <summary><c>answers</c>: an array of responses, each a string or <c>{"name", "answer"}</c>.</summary>
    AnswerList,

    /// <summary><c>human</c>: an integer 1..5, as a JSON number or a string of one (the release has both).</summary>
    HumanScore,

    /// <summary><c>human_answer</c> of a pair row: <c>A</c>, <c>B</c> or <c>C</c> (tie).</summary>
    HumanVerdict,

    /// <summary><c>human_answer</c> of a batch row: letters best-first, a permutation of the first n.</summary>
    HumanRanking,

    /// <summary>A known field the metrics do not use (the name of the model that wrote a response).</summary>
    Unused,
}

/// <summary>One field of a task's table: its JSON name, its role, whether a row must have it.</summary>
internal sealed record FieldSpec(string Name, FieldRole Role, bool Required);

/// <summary>
/// The field names of the MLLM-as-a-Judge release (github.com/Dongping-Chen/MLLM-Judge, <c>Dataset/Benchmark/</c>
/// <c>score.jsonl</c>, <c>pair.jsonl</c>, <c>batch.jsonl</c> and <c>Dataset/Benchmark_Lite/</c>), one table per task.
/// Any other field of a row is reported as a <see cref="ReaderWarning"/>.
/// </summary>
internal static class FieldTable
{
    /// <summary>Score rows: <c>score_id, name, answer, id, instruction, image_path, original_dataset, human</c>.
    /// </summary>
    public static readonly FieldSpec[] Score =
    [
        new("score_id", FieldRole.PreferredId, false),
        new("id", FieldRole.Id, true),
        new("name", FieldRole.Unused, false),
        new("answer", FieldRole.Answer, true),
        new("instruction", FieldRole.Instruction, true),
        new("image_path", FieldRole.ImagePath, true),
        new("original_dataset", FieldRole.Dataset, false),
        new("human", FieldRole.HumanScore, true),
    ];

    /// <summary>Pair rows: <c>id, pair_id, image_path, original_dataset, instruction, answer1, answer2,
    /// human_answer</c>; <c>answer1</c>/<c>answer2</c> are <c>{"name", "answer"}</c> objects.</summary>
    public static readonly FieldSpec[] Pair =
    [
        new("pair_id", FieldRole.PreferredId, false),
        new("id", FieldRole.Id, true),
        new("image_path", FieldRole.ImagePath, true),
        new("original_dataset", FieldRole.Dataset, false),
        new("instruction", FieldRole.Instruction, true),
        new("answer1", FieldRole.Answer, true),
        new("answer2", FieldRole.Answer, true),
        new("human_answer", FieldRole.HumanVerdict, true),
    ];

    /// <summary>Batch rows: <c>id, instruction, image_path, original_dataset, answers, human_answer</c>;
    /// <c>answers</c> is an array of <c>{"name", "answer"}</c> objects.</summary>
    public static readonly FieldSpec[] Batch =
    [
        new("id", FieldRole.Id, true),
        new("instruction", FieldRole.Instruction, true),
        new("image_path", FieldRole.ImagePath, true),
        new("original_dataset", FieldRole.Dataset, false),
        new("answers", FieldRole.AnswerList, true),
        new("human_answer", FieldRole.HumanRanking, true),
    ];

    /// <summary>Fields of a response object inside <c>answer1</c>, <c>answer2</c> or <c>answers[i]</c>.</summary>
    public static readonly FieldSpec[] ResponseObject =
    [
        new("name", FieldRole.Unused, false),
        new("answer", FieldRole.Answer, true),
    ];

    public static FieldSpec[] For(JudgeTask task) => task switch
    {
        JudgeTask.Score => Score,
        JudgeTask.Pair => Pair,
        JudgeTask.Batch => Batch,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown judge task"),
    };
}
