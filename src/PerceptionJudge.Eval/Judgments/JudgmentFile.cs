using System.Text.Json;
using PerceptionJudge.Eval.Input;

namespace PerceptionJudge.Eval.Judgments;

/// <summary>What a row holds where a label is expected.</summary>
public enum RawLabelKind
{
    /// <summary>No such field, or JSON null.</summary>
    Missing,

    /// <summary>-1 (a number, or the string <c>"-1"</c>): the release's mark for "no judgment".</summary>
    MinusOne,

    /// <summary>Anything else, as text for the task's parser.</summary>
    Text,
}

/// <summary>A label as the file holds it: a string as written, a number as its JSON text (<c>4</c>), any other JSON
/// value as its JSON text (which no parser accepts).</summary>
/// <param name="Kind">Missing, -1, or text.</param>
/// <param name="Text">The text when <paramref name="Kind"/> is <see cref="RawLabelKind.Text"/>, else empty.</param>
public readonly record struct RawLabel(RawLabelKind Kind, string Text);

/// <summary>One row of a human-label or judgment file, as far as the join needs it.</summary>
/// <param name="Key">The task's unique key as text: a JSON number as written (<c>46</c>), a string as is.</param>
/// <param name="Line">The 1-based line of the row.</param>
/// <param name="Dataset"><c>original_dataset</c>, or null when the row has no string there.</param>
/// <param name="Label">The human label (human file) or <c>result.judge</c> (judgment file).</param>
public sealed record JudgmentRow(string Key, int Line, string? Dataset, RawLabel Label);

/// <summary>
/// Reads the JSONL files of MLLM-as-a-Judge (github.com/Dongping-Chen/MLLM-Judge) for scoring recorded judgments:
/// the human labels (<c>Dataset/Benchmark/{score,pair,batch}.jsonl</c>) and a judge's recorded outputs
/// (<c>Dataset/raw_data/step3/&lt;Task&gt;/&lt;judge&gt;.jsonl</c>, the verdict under <c>result.judge</c>). Only the
/// fields the join and the metrics need are read; every other field is ignored, so the same reader takes both files.
/// <list type="bullet">
/// <item><b>Key</b> (<see cref="KeyField"/>): <c>score_id</c>, <c>pair_id</c>, <c>id</c>. Several score and pair rows
/// share an <c>id</c> (one image, several responses), so those tasks never join on it.</item>
/// <item><b>Human label</b>: <c>human</c> (an int, or a string such as <c>"4"</c>, <c>"B"</c>, <c>"CDAB"</c>), else
/// <c>human_answer</c> (the batch file's name for it).</item>
/// <item><b>Judgment</b>: <c>result.judge</c>: an int, a string, or raw model text.</item>
/// </list>
/// Blank lines are skipped. Bad JSON, a row that is not an object, or a missing or non-scalar key is an
/// <see cref="EvalException"/> naming the file and line; a missing or odd label is not an error here (the join
/// counts it as a skipped row).
/// </summary>
public static class JudgmentFile
{
    /// <summary>The field each task joins on: <c>score_id</c>, <c>pair_id</c>, <c>id</c>.</summary>
    public static string KeyField(JudgeTask task) => task switch
    {
        JudgeTask.Score => "score_id",
        JudgeTask.Pair => "pair_id",
        JudgeTask.Batch => "id",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown judge task"),
    };

    /// <summary>The rows of a human-label file.</summary>
    public static IReadOnlyList<JudgmentRow> ReadHuman(string path, JudgeTask task) =>
        ReadFile(path, task, HumanLabel);

    /// <summary>The rows of a judgment file.</summary>
    public static IReadOnlyList<JudgmentRow> ReadJudgments(string path, JudgeTask task) =>
        ReadFile(path, task, Judgment);

    /// <summary>Human-label rows from <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<JudgmentRow> ReadHuman(TextReader reader, string name, JudgeTask task) =>
        Read(reader, name, task, HumanLabel);

    /// <summary>Judgment rows from <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<JudgmentRow> ReadJudgments(TextReader reader, string name, JudgeTask task) =>
        Read(reader, name, task, Judgment);

    private static IReadOnlyList<JudgmentRow> ReadFile(string path, JudgeTask task, Func<JsonElement, RawLabel> label)
    {
        if (!File.Exists(path))
        {
            throw new EvalException(path, "file not found; give an MLLM-as-a-Judge JSONL file");
        }

        using var reader = new StreamReader(path);
        return Read(reader, path, task, label);
    }

    private static List<JudgmentRow> Read(TextReader reader, string name, JudgeTask task,
        Func<JsonElement, RawLabel> label)
    {
        string keyField = KeyField(task);
        var rows = new List<JudgmentRow>();
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using var doc = MllmJudgeReader.ParseLine(text, name, line);
            var row = doc.RootElement;
            if (row.ValueKind != JsonValueKind.Object)
            {
                throw new EvalException(name, $"the row must be a JSON object, not {row.ValueKind}", line);
            }

            string key = row.TryGetProperty(keyField, out var k) ? k.ValueKind switch
            {
                JsonValueKind.Number => k.GetRawText(),
                JsonValueKind.String => k.GetString()!,
                _ => throw new EvalException(name, $"'{keyField}' must be a number or a string, not {k.ValueKind}",
                    line),
            }
            : throw new EvalException(name,
                $"missing '{keyField}', the key the {MllmJudgeReader.TaskName(task)} task joins on", line);
            string? dataset = row.TryGetProperty("original_dataset", out var d) && d.ValueKind == JsonValueKind.String
                ? d.GetString()
                : null;
            rows.Add(new JudgmentRow(key, line, dataset, label(row)));
        }

        return rows;
    }

    /// <summary><c>human</c>, else <c>human_answer</c>.</summary>
    private static RawLabel HumanLabel(JsonElement row)
    {
        var human = Raw(row, "human");
        return human.Kind == RawLabelKind.Missing ? Raw(row, "human_answer") : human;
    }

    /// <summary><c>result.judge</c>.</summary>
    private static RawLabel Judgment(JsonElement row) =>
        row.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            ? Raw(result, "judge")
            : new RawLabel(RawLabelKind.Missing, "");

    private static RawLabel Raw(JsonElement obj, string field)
    {
        if (!obj.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return new RawLabel(RawLabelKind.Missing, "");
        }

        string text = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        bool minusOne = v.ValueKind == JsonValueKind.Number
            ? v.TryGetDouble(out double x) && x == -1
            : text.Trim() == "-1";
        return minusOne ? new RawLabel(RawLabelKind.MinusOne, "") : new RawLabel(RawLabelKind.Text, text);
    }
}
