using System.Text.Json;

namespace PerceptionJudge.Training.Metrics;

/// <summary>
/// One line of a metrics file as scanned: its byte end (after the newline), whether it ended with a newline, its
/// (phase rank, step) position and the parsed object (null for a partial last line).
/// </summary>
internal sealed record MetricsLine(long End, bool Complete, (int Rank, int Step) Position, JsonDocument? Json)
{
    /// <summary>
    /// The lines of <paramref name="stream"/> from the start. A complete line that is not a metrics object is a
    /// <see cref="TrainingException"/> naming <paramref name="path"/> and the line; a partial last line (a kill
    /// mid-write) comes back with <see cref="Complete"/> false.
    /// </summary>
    public static IEnumerable<MetricsLine> Scan(Stream stream, string path)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        int start = 0;
        int number = 0;
        while (start < bytes.Length)
        {
            number++;
            int newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0)
            {
                yield return new MetricsLine(bytes.Length, false, (-1, -1), null);
                yield break;
            }
            JsonDocument json = Parse(bytes.AsMemory(start, newline - start), path, number, out (int, int) position);
            yield return new MetricsLine(newline + 1, true, position, json);
            start = newline + 1;
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> line, string path, int number, out (int, int) position)
    {
        try
        {
            JsonDocument json = JsonDocument.Parse(line);
            JsonElement root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object &&
                root.TryGetProperty("step", out JsonElement step) && step.TryGetInt32(out int s) &&
                root.TryGetProperty("phase", out JsonElement phase) && phase.ValueKind == JsonValueKind.String &&
                Array.IndexOf(MetricsWriter.Phases, phase.GetString()) is int rank and >= 0)
            {
                position = (rank, s);
                return json;
            }
        }
        catch (JsonException e)
        {
            throw new TrainingException(path, $"not a JSON metrics line: {e.Message}", number, e);
        }
        throw new TrainingException(path, "a metrics line needs an integer \"step\" and a \"phase\" of sft or rl",
            number);
    }
}
