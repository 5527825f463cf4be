using System.Text;
using System.Text.Json;
using PerceptionJudge.Eval.Input;

namespace PerceptionJudge.Eval.Output;

/// <summary>
/// Writes an <see cref="EvalSummary"/> as JSON (System.Text.Json <see cref="Utf8JsonWriter"/>, snake_case keys):
/// <code>
/// { "seed_count": 3,
///   "metrics": { "pair.accuracy_with_tie": { "mean": 0.71, "std": 0.02, "seeds": 3 }, ... },
///   "consistency": { "batch": { "examples": 40, "agreement": 0.83, "exact_match": 0.55 }, ... },
///   "seeds": [ { "seed": 0, "missing_predictions": 0, "metrics": { "pair.accuracy_with_tie": 0.7, ... } }, ... ] }
/// </code>
/// JSON has no NaN: an undefined value is <c>null</c>.
/// </summary>
internal static class SummaryJson
{
    public static string Write(EvalSummary summary)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("seed_count", summary.Seeds.Count);
            w.WriteStartObject("metrics");
            foreach (var m in summary.Metrics)
            {
                w.WriteStartObject(m.Name);
                Number(w, "mean", m.Mean);
                Number(w, "std", m.Std);
                w.WriteNumber("seeds", m.Seeds);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartObject("consistency");
            foreach (var (task, c) in summary.Consistency)
            {
                w.WriteStartObject(MllmJudgeReader.TaskName(task));
                w.WriteNumber("examples", c.Examples);
                Number(w, "agreement", c.Agreement);
                Number(w, "exact_match", c.ExactMatch);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartArray("seeds");
            foreach (var s in summary.Seeds)
            {
                w.WriteStartObject();
                w.WriteNumber("seed", s.Seed);
                w.WriteNumber("missing_predictions", s.MissingPredictions);
                w.WriteStartObject("metrics");
                foreach (var (name, value) in s.Metrics())
                {
                    Number(w, name, value);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <paramref name="value"/>, or null when it is NaN or infinite.</summary>
    public static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
