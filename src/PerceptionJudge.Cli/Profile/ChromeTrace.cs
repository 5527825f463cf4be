using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Profile;

/// <summary>One recorded span, times in microseconds from the start of the trace.</summary>
internal sealed record TraceEvent(
    string Name, string Category, long Bytes, Backend Backend, double StartUs, double DurationUs, int Thread);

/// <summary>
/// A thread-safe <see cref="IKernelTraceSink"/> that keeps every span and writes the Chrome trace-event format
/// (the JSON object form: <c>{"traceEvents": [...]}</c>) that Perfetto and chrome://tracing open. Each span is a
/// complete event: <c>ph "X"</c>, <c>ts</c>/<c>dur</c> in µs, <c>pid</c>, <c>tid</c> (the managed thread), and
/// <c>args</c> with <c>bytes</c>, <c>backend</c> and, for kernels, the achieved <c>gb_per_s</c>. Phases nest the
/// kernels that ran inside them on the same thread by time containment, as the viewers draw "X" events.
/// </summary>
internal sealed class ChromeTraceSink : IKernelTraceSink
{
    private readonly ConcurrentQueue<TraceEvent> _events = new();
    private readonly long _origin = Stopwatch.GetTimestamp();

    public IReadOnlyList<TraceEvent> Events => [.. _events.OrderBy(e => e.StartUs)];

    public void Record(string name, string category, long bytes, Backend backend, long startTicks, long endTicks,
        int thread) =>
        _events.Enqueue(new TraceEvent(
            name, category, bytes, backend, Micros(startTicks - _origin), Micros(endTicks - startTicks), thread));

    /// <summary>Writes the trace; <paramref name="metadata"/> goes to <c>otherData</c>.</summary>
    public void Write(Stream stream, IReadOnlyDictionary<string, string> metadata)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ms");
        w.WriteStartObject("otherData");
        foreach (var (k, v) in metadata)
        {
            w.WriteString(k, v);
        }

        w.WriteEndObject();
        w.WriteStartArray("traceEvents");
        w.WriteStartObject();
        w.WriteString("name", "process_name");
        w.WriteString("ph", "M");
        w.WriteNumber("pid", Environment.ProcessId);
        w.WriteNumber("tid", 0);
        w.WriteStartObject("args");
        w.WriteString("name", "pjudge");
        w.WriteEndObject();
        w.WriteEndObject();
        foreach (var e in Events)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name);
            w.WriteString("cat", e.Category);
            w.WriteString("ph", "X");
            w.WriteNumber("ts", System.Math.Round(e.StartUs, 3));
            w.WriteNumber("dur", System.Math.Round(e.DurationUs, 3));
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteNumber("tid", e.Thread);
            w.WriteStartObject("args");
            w.WriteNumber("bytes", e.Bytes);
            w.WriteString("backend", e.Backend.ToString().ToLowerInvariant());
            if (e.Category == "kernel" && e.DurationUs > 0)
            {
                w.WriteNumber("gb_per_s", System.Math.Round(e.Bytes / (e.DurationUs * 1e3), 3));
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
