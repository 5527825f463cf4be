using System.Buffers;
using System.Text.Json;

namespace PerceptionJudge.Training.Metrics;

/// <summary>
/// The run's <c>metrics.jsonl</c>: one JSON object per step, <c>{"step": 12, "phase": "rl", "kl": 0.002, ...}</c>,
/// flushed after each line so a kill loses at most the line being written. Values are doubles; NaN and ±∞ are written
/// as null (JSON has no such numbers). Steps only move forward (SFT steps, then RL steps), so that
/// <see cref="Resume"/> can cut the file at the resumed step and a resumed run has no duplicate steps.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    /// <summary>The vision stage of <c>pjudge pretrain</c> (its own file, before any SFT).</summary>
    public const string Vision = "vision";

    /// <summary>The supervised warm-up phase.</summary>
    public const string Sft = "sft";

    /// <summary>The RL phase.</summary>
    public const string Rl = "rl";

    private readonly FileStream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private (int Rank, int Step) _last;

    private MetricsWriter(string path, FileStream stream, (int Rank, int Step) last)
    {
        Path = path;
        _stream = stream;
        _last = last;
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>A writer on a new (or emptied) file at <paramref name="path"/>.</summary>
    public static MetricsWriter Create(string path)
    {
        var stream = Open(path, FileMode.Create);
        return new MetricsWriter(path, stream, (-1, -1));
    }

    /// <summary>
    /// A writer appending to <paramref name="path"/> after a resume from step <paramref name="step"/> of
    /// <paramref name="phase"/>: lines beyond that point (later steps, or RL lines when resuming in SFT) and a
    /// partial last line are cut first. A missing file is created. A malformed complete line is a
    /// <see cref="TrainingException"/> naming its line.
    /// </summary>
    public static MetricsWriter Resume(string path, string phase, int step)
    {
        (int Rank, int Step) resumeAt = (Rank(phase), step);
        var stream = Open(path, FileMode.OpenOrCreate);
        try
        {
            long keep = 0;
            (int Rank, int Step) last = (-1, -1);
            foreach (MetricsLine line in MetricsLine.Scan(stream, path))
            {
                line.Json?.Dispose();
                if (!line.Complete || line.Position.CompareTo(resumeAt) > 0)
                {
                    break;
                }
                keep = line.End;
                last = line.Position;
            }
            stream.SetLength(keep);
            stream.Seek(0, SeekOrigin.End);
            return new MetricsWriter(path, stream, last);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends one line for <paramref name="step"/> of <paramref name="phase"/> with <paramref name="values"/>
    /// (keys sorted; lower-case snake_case, '/' and '.' allowed, e.g. <c>actor/pg_clipfrac</c>) and flushes it.
    /// </summary>
    public void Write(int step, string phase, IReadOnlyDictionary<string, double> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        (int Rank, int Step) position = (Rank(phase), step);
        if (position.CompareTo(_last) <= 0)
        {
            throw new InvalidOperationException($"metrics step {phase} {step} does not come after the last one " +
                $"written ({Phases[Math.Max(_last.Rank, 0)]} {_last.Step})");
        }
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("step", step);
            json.WriteString("phase", phase);
            foreach (KeyValuePair<string, double> pair in values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                CheckKey(pair.Key);
                if (double.IsFinite(pair.Value))
                {
                    json.WriteNumber(pair.Key, pair.Value);
                }
                else
                {
                    json.WriteNull(pair.Key);
                }
            }
            json.WriteEndObject();
        }
        _stream.Write(_buffer.WrittenSpan);
        _stream.WriteByte((byte)'\n');
        _stream.Flush();
        _last = position;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>The phases in run order.</summary>
    internal static readonly string[] Phases = [Vision, Sft, Rl];

    /// <summary>The order of <paramref name="phase"/> in a run: vision, sft, rl.</summary>
    internal static int Rank(string phase)
    {
        int rank = Array.IndexOf(Phases, phase);
        return rank >= 0
            ? rank
            : throw new ArgumentException($"unknown metrics phase '{phase}'; use vision, sft or rl", nameof(phase));
    }

    private static void CheckKey(string key)
    {
        bool ok = key.Length > 0 && key is not ("step" or "phase") &&
            key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '/' or '.' or '@' or '-');
        if (!ok)
        {
            throw new ArgumentException($"metric name '{key}' must be lower-case snake_case ('/' and '.' allowed) " +
                "and not 'step' or 'phase'", nameof(key));
        }
    }

    private static FileStream Open(string path, FileMode mode)
    {
        try
        {
            string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }
            return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingException(path, $"cannot open the metrics file: {e.Message}", inner: e);
        }
    }
}
