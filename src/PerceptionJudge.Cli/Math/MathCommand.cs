using System.CommandLine;
using System.Text;
using PerceptionJudge.Cli.Json;

namespace PerceptionJudge.Cli.Math;

/// <summary>
/// <c>pjudge math &lt;op&gt; --input IN.json [--output OUT.json]</c>, <c>pjudge math list</c> and
/// <c>pjudge math batch --input CASES.jsonl --output OUT.jsonl</c>.
/// </summary>
internal static class MathCommand
{
    public static Command Create(MathOpTable ops, TextWriter stdout, TextWriter stderr)
    {
        var opArgument = new Argument<string>("op")
        {
            Description = "Op to evaluate (see 'pjudge math list')",
        };
        var input = new Option<string>("--input")
        {
            Description = "JSON file holding one input object with verl's parameter names",
            Required = true,
        };
        var output = new Option<string?>("--output")
        {
            Description = "Where to write the output object (pretty JSON); stdout when omitted",
        };
        var math = new Command("math", "Evaluate one RL-math op on JSON input") { opArgument, input, output };
        math.SetAction(parse =>
        {
            var op = ops.Get(parse.GetValue(opArgument)!);
            var result = op.Run(JsonInput.Parse(ReadFile(parse.GetValue(input)!, "--input")));
            string text = JsonOutput.Pretty(result);
            string? path = parse.GetValue(output);
            if (path is null)
            {
                stdout.WriteLine(text);
            }
            else
            {
                WriteFile(path, text + "\n");
            }

            return 0;
        });

        math.Add(CreateList(ops, stdout));
        math.Add(CreateBatch(ops, stderr));
        return math;
    }

    private static Command CreateList(MathOpTable ops, TextWriter stdout)
    {
        var list = new Command("list", "List the ops, their fields, and the valid names of each registry");
        list.SetAction(_ =>
        {
            stdout.Write(Describe(ops));
            return 0;
        });
        return list;
    }

    private static Command CreateBatch(MathOpTable ops, TextWriter stderr)
    {
        var input = new Option<string>("--input")
        {
            Description = "JSONL file: one {\"op\": name, \"input\": {...}} per line; blank lines are skipped",
            Required = true,
        };
        var output = new Option<string>("--output")
        {
            Description = "JSONL file: one output object (or {\"error\": ...}) per non-blank input line",
            Required = true,
        };
        var batch = new Command("batch", "Run many ops from a JSONL file; exit 2 when any line failed")
        {
            input,
            output,
        };
        batch.SetAction(parse =>
        {
            string inPath = parse.GetValue(input)!;
            using var reader = new StringReader(ReadFile(inPath, "--input"));
            var text = new StringWriter();
            var summary = MathBatch.Run(ops, reader, text);
            WriteFile(parse.GetValue(output)!, text.ToString());
            if (summary.Errors == 0)
            {
                return 0;
            }

            stderr.WriteLine(
                $"error: {summary.Errors} of {summary.Lines} lines failed; first: {summary.FirstError}");
            return 2;
        });
        return batch;
    }

    internal static string Describe(MathOpTable ops)
    {
        var text = new StringBuilder();
        text.AppendLine("ops:");
        foreach (var op in ops.Ops)
        {
            text.AppendLine($"  {op.Name,-22}{op.Description}");
            text.AppendLine($"  {"",-22}required: {string.Join(", ", op.Required)}");
            if (op.Optional.Count > 0)
            {
                text.AppendLine($"  {"",-22}optional: {string.Join(", ", op.Optional)}");
            }
        }

        foreach (var op in ops.Ops)
        {
            foreach (var choices in op.Choices)
            {
                text.AppendLine($"{choices.Field} ({op.Name}): {string.Join(", ", choices.Names)}");
            }
        }

        return text.ToString();
    }

    private static string ReadFile(string path, string option)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException(option, $"cannot read '{path}': {JsonInput.OneLine(e.Message)}");
        }
    }

    private static void WriteFile(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException("--output", $"cannot write '{path}': {JsonInput.OneLine(e.Message)}");
        }
    }
}
