using System.Text.Json;

namespace PerceptionJudge.Eval.Report;

/// <summary>One line of the training metrics file.</summary>
/// <param name="Step">The optimiser step.</param>
/// <param name="Phase"><c>sft</c> or <c>rl</c>.</param>
/// <param name="Values">The known numeric keys present on the line; NaN where the line had a gap.</param>
public sealed record TrainingRecord(int Step, string Phase, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>
    /// The training stage of the line: <c>describe</c> (an SFT line carrying <c>describe_loss</c>, the warm-up's
    /// image-description stage), <c>sft</c> (the other SFT lines) or <c>rl</c>.
    /// </summary>
    public string Stage => Phase == "rl" ? "rl" : Values.ContainsKey("describe_loss") ? "describe" : "sft";
}

/// <summary>
/// The metrics JSONL written by training: one object per line with <c>step</c> (integer), <c>phase</c>
/// (<c>"sft"</c> or <c>"rl"</c>) and numeric keys among <see cref="CurveKeys"/>, <see cref="TimeKeys"/> and
/// <see cref="StepTimeKey"/>. The trainer numbers SFT steps across its two stages (describe, then sft) and restarts at
/// 1 for RL, so each curve is plotted against the steps of its own phase. A known
/// key may be a number, <c>null</c>, or the string <c>"NaN"</c>/<c>"Infinity"</c>/<c>"-Infinity"</c>
/// (System.Text.Json's named literals): all but a finite number are gaps. Blank lines are skipped, unknown keys
/// ignored. Bad JSON, a missing
/// or non-integer step, an unknown phase or a non-numeric known key is an <see cref="EvalException"/> naming the line.
/// </summary>
public sealed class TrainingLog
{
    /// <summary>The curves the report plots, in plot order.</summary>
    public static readonly IReadOnlyList<string> CurveKeys =
    [
        "describe_loss", "sft_loss", "reward_mean", "reward_std", "kl", "pg_clipfrac", "entropy", "pg_loss",
        "grad_norm", "response_length", "tokens_per_s",
    ];

    /// <summary>The parts of an RL step's time (seconds) the report stacks, in stack order.</summary>
    public static readonly IReadOnlyList<string> TimeKeys =
    [
        "time_rollout_s", "time_reward_s", "time_advantage_s", "time_forward_s", "time_backward_s", "time_update_s",
    ];

    /// <summary>A step's whole wall time in seconds (SFT and RL lines); the time not in <see cref="TimeKeys"/> is
    /// shown as "other".</summary>
    public const string StepTimeKey = "time_step_s";

    /// <summary>The stages in training order (<see cref="TrainingRecord.Stage"/>).</summary>
    public static readonly IReadOnlyList<string> Stages = ["describe", "sft", "rl"];

    private TrainingLog(IReadOnlyList<TrainingRecord> records) => Records = records;

    /// <summary>The lines, in file order.</summary>
    public IReadOnlyList<TrainingRecord> Records { get; }

    /// <summary>Reads the metrics file at <paramref name="path"/>.</summary>
    public static TrainingLog Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new EvalException(path, "metrics file not found; training writes it as JSONL");
        }

        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads metrics lines from <paramref name="reader"/>; <paramref name="name"/> names it in errors.
    /// </summary>
    public static TrainingLog Read(TextReader reader, string name)
    {
        var records = new List<TrainingRecord>();
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (!string.IsNullOrWhiteSpace(text))
            {
                records.Add(ParseLine(text, name, line));
            }
        }

        return new TrainingLog(records);
    }

    /// <summary>Whether any record has a finite value for <paramref name="key"/>.</summary>
    public bool Has(string key) =>
        Records.Any(r => r.Values.TryGetValue(key, out double v) && double.IsFinite(v));

    /// <summary>The sum of the finite values of <paramref name="key"/> over the lines of <paramref name="stage"/>.
    /// </summary>
    public double Sum(string stage, string key) => Records
        .Where(r => r.Stage == stage && r.Values.TryGetValue(key, out double v) && double.IsFinite(v))
        .Sum(r => r.Values[key]);

    private static TrainingRecord ParseLine(string text, string name, int line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new EvalException(name, $"not valid JSON ({e.Message}); write null or \"NaN\" for a missing value",
                line, e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new EvalException(name, $"a metrics line must be a JSON object, not {root.ValueKind}", line);
            }

            if (!root.TryGetProperty("step", out var stepValue) || !stepValue.TryGetInt32(out int step))
            {
                throw new EvalException(name, "'step' is missing or not an integer", line);
            }

            string? phase = root.TryGetProperty("phase", out var p) && p.ValueKind == JsonValueKind.String
                ? p.GetString()
                : null;
            if (phase is not ("sft" or "rl"))
            {
                throw new EvalException(name, "'phase' must be \"sft\" or \"rl\"", line);
            }

            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var key in CurveKeys.Concat(TimeKeys).Append(StepTimeKey))
            {
                if (root.TryGetProperty(key, out var v))
                {
                    values[key] = Number(v, key, name, line);
                }
            }

            return new TrainingRecord(step, phase, values);
        }
    }

    private static double Number(JsonElement v, string key, string name, int line) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.Null => double.NaN,
        JsonValueKind.String when v.GetString() is "NaN" or "Infinity" or "-Infinity" => double.NaN,
        _ => throw new EvalException(name,
            $"'{key}' must be a number (or null / \"NaN\" for a gap), not {v.GetRawText()}", line),
    };
}
