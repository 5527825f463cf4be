using System.Diagnostics;

namespace PerceptionJudge.Cli.Terminal;

/// <summary>
/// Progress of a long build on stderr. On a terminal it is one bar redrawn in place
/// (<c>[#####·····]  40%  400/1000 pairs  38.1/s  eta 16 s</c>), with messages printed above it; when stderr is
/// redirected (CI logs, tests) it degrades to plain lines, at most one per <see cref="PlainInterval"/> plus the last.
/// Reports come on the producer's thread, in order.
/// </summary>
internal sealed class ProgressLine : IProgress<int>, IDisposable
{
    private const int BarWidth = 24;
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(1);

    private readonly TextWriter _stderr;
    private readonly string _label;
    private readonly string _unit;
    private readonly int _total;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastPlain;
    private int _value;
    private int _lastWritten = -1;
    private bool _drawn;
    private int _drawnLength;
    private bool _done;

    /// <summary>
    /// A progress line <c>label: value/total unit</c> for <paramref name="total"/> items (0 = unknown); interactive
    /// by default only when <paramref name="stderr"/> is the process's terminal.
    /// </summary>
    public ProgressLine(TextWriter stderr, string label, int total, string unit, bool? interactive = null)
    {
        _stderr = stderr;
        _label = label;
        _total = total;
        _unit = unit;
        _interactive = interactive ?? (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected &&
            Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"));
    }

    /// <summary>Records <paramref name="value"/> items done and redraws (or prints a throttled plain line).</summary>
    public void Report(int value)
    {
        _value = value;
        if (_interactive)
        {
            Draw();
            _drawn = true;
        }
        else if (_lastPlain is not { } last || _clock.Elapsed - last >= PlainInterval || (_total > 0 && value >= _total))
        {
            WritePlain();
        }
    }

    /// <summary>Prints <paramref name="message"/> on its own line, keeping the bar below it.</summary>
    public void Message(string message)
    {
        if (_drawn)
        {
            _stderr.Write("\r" + new string(' ', _drawnLength) + "\r");
            _drawnLength = 0;
        }
        _stderr.WriteLine(message);
        if (_drawn)
        {
            Draw();
        }
    }

    /// <summary>Redraws the bar over the previous one, padding when the new text is shorter.</summary>
    private void Draw()
    {
        string bar = Render();
        _stderr.Write("\r" + bar.PadRight(_drawnLength));
        _drawnLength = bar.Length;
    }

    /// <summary>Ends the bar with a newline (interactive) or prints the final count if not yet printed; idempotent.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }
        _done = true;
        if (_interactive && _drawn)
        {
            Draw();
            _stderr.WriteLine();
        }
        else if (!_interactive && _lastWritten != _value)
        {
            WritePlain();
        }
    }

    private void WritePlain()
    {
        _lastPlain = _clock.Elapsed;
        _lastWritten = _value;
        _stderr.WriteLine(_total > 0 ? $"{_label}: {_value}/{_total} {_unit}" : $"{_label}: {_value} {_unit}");
    }

    /// <summary>The bar text: fill, percent, count, rate and time left (both from the mean rate so far).</summary>
    internal string Render()
    {
        double seconds = System.Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        double rate = _value / seconds;
        string rateText = $"{rate:0.0}/s";
        if (_total <= 0)
        {
            return $"{_value} {_unit}  {rateText}";
        }
        double fraction = System.Math.Clamp((double)_value / _total, 0, 1);
        int filled = (int)System.Math.Round(fraction * BarWidth);
        string eta = rate > 0 ? $"eta {System.Math.Ceiling((_total - _value) / rate):0} s" : "eta ?";
        return $"[{new string('#', filled)}{new string('·', BarWidth - filled)}] {fraction * 100,3:0}%  " +
            $"{_value}/{_total} {_unit}  {rateText}  {eta}";
    }
}
