using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Math;

/// <summary>Outcome of a batch: lines run (blank lines excluded), lines that failed, and the first failure.</summary>
internal readonly record struct BatchSummary(int Lines, int Errors, string? FirstError);

/// <summary>
/// <c>pjudge math batch</c>: JSONL in, JSONL out. Each non-blank input line is <c>{"op": name, "input": {…}}</c>
/// and gives one output line, in order: the op's output object, or <c>{"error": "line N: field[row]: …"}</c> for a
/// user error in that line (the other lines still run). Blank lines give no output but count in line numbers.
/// Internal errors (anything but a user-error type) are not caught: they stop the batch.
/// </summary>
internal static class MathBatch
{
    private static readonly string[] s_lineFields = ["op", "input"];

    public static BatchSummary Run(MathOpTable ops, TextReader input, TextWriter output)
    {
        int lineNumber = 0;
        int lines = 0;
        int errors = 0;
        string? firstError = null;
        while (input.ReadLine() is string line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            lines++;
            JsonObject result;
            try
            {
                result = RunLine(ops, line);
            }
            catch (Exception e) when (e is CliInputException or KernelInputException)
            {
                string message = $"line {lineNumber}: {JsonInput.OneLine(e.Message)}";
                errors++;
                firstError ??= message;
                result = new JsonObject { ["error"] = message };
            }

            output.WriteLine(JsonOutput.Compact(result));
        }

        return new BatchSummary(lines, errors, firstError);
    }

    private static JsonObject RunLine(MathOpTable ops, string line)
    {
        var envelope = JsonInput.Parse(line, "line");
        envelope.RejectUnknown(s_lineFields);
        var op = ops.Get(envelope.String("op"));
        return op.Run(new JsonInput(envelope.Element("input"), "input"));
    }
}
