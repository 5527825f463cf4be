using System.Text.Json;

namespace PerceptionJudge.Training.Metrics;

/// <summary>One line of <c>metrics.jsonl</c>: the step, its phase, and the values (null read back as NaN).</summary>
public sealed record MetricsRecord(int Step, string Phase, IReadOnlyDictionary<string, double> Values);

/// <summary>Reads a metrics file written by <see cref="MetricsWriter"/>.</summary>
public static class MetricsReader
{
    /// <summary>
    /// Every complete line of <paramref name="path"/> in order; a partial last line (a kill mid-write) is left out.
    /// A malformed line or a non-number value is a <see cref="TrainingException"/> naming the line.
    /// </summary>
    public static IReadOnlyList<MetricsRecord> Read(string path)
    {
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingException(path, $"cannot read the metrics file: {e.Message}", inner: e);
        }
        using (stream)
        {
            var records = new List<MetricsRecord>();
            foreach (MetricsLine line in MetricsLine.Scan(stream, path))
            {
                if (line.Json is not JsonDocument json)
                {
                    break;
                }
                using (json)
                {
                    var values = new Dictionary<string, double>();
                    foreach (JsonProperty p in json.RootElement.EnumerateObject())
                    {
                        if (p.Name is "step" or "phase")
                        {
                            continue;
                        }
                        values[p.Name] = p.Value.ValueKind switch
                        {
                            JsonValueKind.Null => double.NaN,
                            JsonValueKind.Number => p.Value.GetDouble(),
                            _ => throw new TrainingException(path, $"metric '{p.Name}' is not a number or null",
                                records.Count + 1),
                        };
                    }
                    string phase = MetricsWriter.Phases[line.Position.Rank];
                    records.Add(new MetricsRecord(line.Position.Step, phase, values));
                }
            }
            return records;
        }
    }
}
