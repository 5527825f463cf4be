using System.Globalization;
using System.Text.Json;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Input;

/// <summary>A field the reader did not expect: reported, never silently dropped.</summary>
/// <param name="File">The file (or named input).</param>
/// <param name="Line">The 1-based line of the row.</param>
/// <param name="Field">The field's path in the row (<c>answer1.score</c> for a nested one).</param>
/// <param name="Message">What the reader did with it.</param>
public sealed record ReaderWarning(string File, int Line, string Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}: field '{Field}': {Message}";
}

/// <summary>The examples of one file and the warnings raised while reading it.</summary>
/// <param name="Examples">The rows, in file order.</param>
/// <param name="Warnings">Unknown fields, one entry per field per row.</param>
public sealed record JudgeDataSet(IReadOnlyList<JudgeExample> Examples, IReadOnlyList<ReaderWarning> Warnings);

/// <summary>
/// Reads MLLM-as-a-Judge JSONL (one JSON object per line; blank lines are skipped) into <see cref="JudgeExample"/>s.
/// The field names of each task are listed in <see cref="FieldTable"/> (the names of the public release). Bad JSON,
/// a missing required field, a field of the wrong type, a human label out of range or a repeated example id is an
/// <see cref="EvalException"/> naming the file and line; an unknown field is a <see cref="ReaderWarning"/>.
/// <para>Example id: the task name, a slash, then <c>score_id</c> (score) or <c>pair_id</c> (pair) when present, else
/// <c>id</c>, as written (a number or a string): <c>score/6</c>, <c>pair/5</c>, <c>batch/200</c>. The prefix keeps the
/// ids of the three release files (each numbered from 0) apart when they are evaluated together.</para>
/// </summary>
public static class MllmJudgeReader
{
    private const int MinScore = 1;
    private const int MaxScore = 5;

    /// <summary>Reads the <paramref name="task"/> rows of the JSONL file at <paramref name="path"/>.</summary>
    public static JudgeDataSet Read(string path, JudgeTask task)
    {
        if (!File.Exists(path))
        {
            throw new EvalException(path, "file not found; give an MLLM-as-a-Judge JSONL file");
        }

        using var reader = new StreamReader(path);
        return Read(reader, path, task);
    }

    /// <summary>Reads <paramref name="task"/> rows from <paramref name="reader"/>; <paramref name="name"/> names the
    /// input in errors and warnings.</summary>
    public static JudgeDataSet Read(TextReader reader, string name, JudgeTask task)
    {
        var table = FieldTable.For(task);
        var examples = new List<JudgeExample>();
        var warnings = new List<ReaderWarning>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var row = new Row(name, line, warnings);
            var example = row.Parse(text, task, table);
            if (!firstLineOfId.TryAdd(example.Id, line))
            {
                throw new EvalException(name,
                    $"example id '{example.Id}' repeats the one on line {firstLineOfId[example.Id]}; "
                    + "ids must be unique",
                    line);
            }

            examples.Add(example);
        }

        return new JudgeDataSet(examples, warnings);
    }

    /// <summary>The lower-case task name used in example ids: <c>score</c>, <c>pair</c>, <c>batch</c>.</summary>
    public static string TaskName(JudgeTask task) => task switch
    {
        JudgeTask.Score => "score",
        JudgeTask.Pair => "pair",
        JudgeTask.Batch => "batch",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown judge task"),
    };

    /// <summary>The task named <paramref name="name"/> (<c>score</c>, <c>pair</c>, <c>batch</c>, as
    /// <see cref="TaskName"/> writes it); another name is an <see cref="EvalException"/> naming
    /// <paramref name="source"/> (the option or file it came from).</summary>
    public static JudgeTask ParseTask(string name, string source) => name switch
    {
        "score" => JudgeTask.Score,
        "pair" => JudgeTask.Pair,
        "batch" => JudgeTask.Batch,
        _ => throw new EvalException(source, $"must be score, pair or batch, got '{name}'"),
    };

    /// <summary>One JSONL line as a document; bad JSON is an <see cref="EvalException"/> naming
    /// <paramref name="file"/> and <paramref name="line"/>.</summary>
    internal static JsonDocument ParseLine(string text, string file, int line)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new EvalException(file, $"not valid JSON ({e.Message}); each line must be one JSON object", line, e);
        }
    }

    /// <summary>One line being parsed: knows where it is, so every error names the file and line.</summary>
    private sealed class Row(string file, int line, List<ReaderWarning> warnings)
    {
        public JudgeExample Parse(string text, JudgeTask task, FieldSpec[] table)
        {
            using var doc = ParseLine(text, file, line);
            var fields = Collect(doc.RootElement, table, prefix: "");
            string id = TaskName(task) + "/" + (fields.TryGetValue(FieldRole.PreferredId, out var preferred)
                ? IdText(preferred[0])
                : IdText(fields[FieldRole.Id][0]));
            string dataset = fields.TryGetValue(FieldRole.Dataset, out var ds) ? Text(ds[0]) : "unknown";
            string image = Text(fields[FieldRole.ImagePath][0]);
            string instruction = Text(fields[FieldRole.Instruction][0]);
            var responses = task == JudgeTask.Batch
                ? AnswerList(fields[FieldRole.AnswerList][0])
                : fields[FieldRole.Answer].Select(Answer).ToArray();
            var truth = task switch
            {
                JudgeTask.Score => JudgeTruth.ForScore(HumanScore(fields[FieldRole.HumanScore][0])),
                JudgeTask.Pair => JudgeTruth.ForPair(HumanVerdict(fields[FieldRole.HumanVerdict][0])),
                _ => JudgeTruth.ForBatch(HumanRanking(fields[FieldRole.HumanRanking][0], responses.Length)),
            };
            return new JudgeExample(id, task, dataset, image, instruction, responses, truth);
        }

        /// <summary>The known fields of an object by role (in table order), unknown ones as warnings, and a check
        /// that every required field is there.</summary>
        private Dictionary<FieldRole, List<Field>> Collect(JsonElement obj, FieldSpec[] table, string prefix)
        {
            if (obj.ValueKind != JsonValueKind.Object)
            {
                string where = prefix.Length == 0 ? "the row" : $"'{prefix.TrimEnd('.')}'";
                throw new EvalException(file, $"{where} must be a JSON object, not {obj.ValueKind}", line);
            }

            var byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in obj.EnumerateObject())
            {
                if (Array.Exists(table, s => s.Name == property.Name))
                {
                    byName[property.Name] = property.Value;
                }
                else
                {
                    warnings.Add(new ReaderWarning(file, line, prefix + property.Name,
                        "unknown field, ignored (see the field table of this task)"));
                }
            }

            var fields = new Dictionary<FieldRole, List<Field>>();
            foreach (var spec in table)
            {
                if (byName.TryGetValue(spec.Name, out var value) && value.ValueKind != JsonValueKind.Null)
                {
                    if (!fields.TryGetValue(spec.Role, out var list))
                    {
                        fields[spec.Role] = list = [];
                    }

                    list.Add(new Field(prefix + spec.Name, value));
                }
                else if (spec.Required)
                {
                    throw new EvalException(file, $"missing required field '{prefix + spec.Name}'", line);
                }
            }

            return fields;
        }

        private string Text(Field f) => f.Value.ValueKind == JsonValueKind.String
            ? f.Value.GetString()!
            : throw WrongType(f, "a string");

        private string IdText(Field f) => f.Value.ValueKind switch
        {
            JsonValueKind.String => f.Value.GetString()!,
            JsonValueKind.Number => f.Value.GetRawText(),
            _ => throw WrongType(f, "a number or a string"),
        };

        /// <summary>A response: a string, or an object whose <c>answer</c> is one.</summary>
        private string Answer(Field f)
        {
            if (f.Value.ValueKind == JsonValueKind.String)
            {
                return f.Value.GetString()!;
            }

            if (f.Value.ValueKind != JsonValueKind.Object)
            {
                throw WrongType(f, "a string or an object {\"name\", \"answer\"}");
            }

            var inner = Collect(f.Value, FieldTable.ResponseObject, f.Name + ".");
            return Text(inner[FieldRole.Answer][0]);
        }

        private string[] AnswerList(Field f)
        {
            if (f.Value.ValueKind != JsonValueKind.Array)
            {
                throw WrongType(f, "an array of responses");
            }

            var answers = f.Value.EnumerateArray()
                .Select((e, i) => Answer(new Field($"{f.Name}[{i}]", e)))
                .ToArray();
            if (answers.Length is < 2 or > JudgeOutput.MaxResponses)
            {
                throw new EvalException(file,
                    $"'{f.Name}' holds {answers.Length} responses; a batch ranks 2..{JudgeOutput.MaxResponses}", line);
            }

            return answers;
        }

        private int HumanScore(Field f)
        {
            double value;
            if (f.Value.ValueKind == JsonValueKind.Number)
            {
                value = f.Value.GetDouble();
            }
            else if (f.Value.ValueKind != JsonValueKind.String
                || !double.TryParse(f.Value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
            {
                throw WrongType(f, "an integer score (a number, or a string such as \"4\")");
            }

            if (value != Math.Floor(value) || value is < MinScore or > MaxScore)
            {
                throw new EvalException(file,
                    $"'{f.Name}' = {f.Value.GetRawText()} is out of range; "
                    + $"human scores are integers {MinScore}..{MaxScore}",
                    line);
            }

            return (int)value;
        }

        private Verdict HumanVerdict(Field f) => Text(f) switch
        {
            "A" => Verdict.A,
            "B" => Verdict.B,
            "C" => Verdict.C,
            var other => throw new EvalException(file,
                $"'{f.Name}' = \"{other}\" is out of range; a pair label is \"A\", \"B\" or \"C\" (tie)", line),
        };

        private string HumanRanking(Field f, int n)
        {
            string text = Text(f);
            Span<int> position = stackalloc int[JudgeOutput.MaxResponses];
            if (JudgeOutput.ParseLetterPermutation(text, position) != n)
            {
                throw new EvalException(file,
                    $"'{f.Name}' = \"{text}\" is not a permutation of the first {n} letters "
                    + "(one per response, best first)",
                    line);
            }

            return RankingText.FromPositions(position[..n]);
        }

        private EvalException WrongType(Field f, string expected) =>
            new(file, $"'{f.Name}' must be {expected}, not {f.Value.ValueKind}", line);
    }

    private readonly record struct Field(string Name, JsonElement Value);
}
