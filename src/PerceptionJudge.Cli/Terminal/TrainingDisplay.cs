using System.Diagnostics;
using System.Globalization;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Metrics;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PerceptionJudge.Cli.Terminal;

/// <summary>
/// Training progress on stdout. On a terminal it is a Spectre.Console live display, redrawn about ten times a
/// second: a progress bar (steps, s/step, time left) over a table of the latest metrics of the phase (SFT: the
/// describe or SFT loss and the step time; RL: reward, KL, clip fraction, entropy, tokens/s and the step time),
/// with messages printed above it. Redirected (logs, CI, tests) it degrades, like
/// <see cref="ProgressLine"/>, to plain lines: at most one per <see cref="PlainInterval"/>, plus the last step.
/// Calls come from the training thread; the live display runs on its own thread and only that thread writes.
/// </summary>
internal sealed class TrainingDisplay : ITrainingProgress, IDisposable
{
    private const int BarWidth = 30;
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The RL metrics shown, in order: label and metric name.</summary>
    private static readonly (string Label, string Key)[] s_rlShown =
    [
        ("reward", MetricNames.Reward),
        ("kl", MetricNames.Kl),
        ("clipfrac", MetricNames.ClipFrac),
        ("entropy", MetricNames.Entropy),
        ("tokens/s", MetricNames.TokensPerSecond),
        ("s/step", MetricNames.StepSeconds),
    ];

    /// <summary>The SFT warm-up's metrics shown: the loss of its current stage and the step time.</summary>
    private static readonly (string Label, string Key)[] s_sftShown =
    [
        ("describe loss", MetricNames.DescribeLoss),
        ("sft loss", MetricNames.SftLoss),
        ("s/step", MetricNames.StepSeconds),
    ];

    /// <summary>The metrics of the current phase.</summary>
    private (string Label, string Key)[] Shown => _phase == MetricsWriter.Sft ? s_sftShown : s_rlShown;

    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly Func<TimeSpan> _clock;
    private readonly object _gate = new();
    private readonly Queue<string> _messages = new();
    private readonly SemaphoreSlim _wake = new(0);
    private IReadOnlyDictionary<string, double> _latest = new Dictionary<string, double>();
    private string _phase = "";
    private int _total;
    private int _step;
    private TimeSpan _started;
    private TimeSpan? _lastPlain;
    private int _lastPrinted = -1;
    private bool _running;
    private bool _stopping;
    private Task? _live;

    /// <summary>
    /// A display writing to <paramref name="output"/>; live only when it is the process's stdout on a terminal
    /// unless <paramref name="interactive"/> says otherwise. <paramref name="clock"/> (tests) replaces the stopwatch.
    /// </summary>
    public TrainingDisplay(TextWriter output, bool? interactive = null, Func<TimeSpan>? clock = null)
    {
        _output = output;
        _interactive = interactive ?? (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected &&
            Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"));
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        _clock = clock;
    }

    /// <inheritdoc/>
    public void Start(int totalSteps, string phase)
    {
        if (_running)
        {
            Finish();
        }
        lock (_gate)
        {
            (_phase, _total, _step, _latest) = (phase, totalSteps, 0, new Dictionary<string, double>());
            (_started, _lastPlain, _lastPrinted, _running, _stopping) = (_clock(), null, -1, true, false);
        }
        if (_interactive)
        {
            _live = Task.Run(RunLive);
        }
        else
        {
            _output.WriteLine(totalSteps > 0 ? $"{phase}: {totalSteps} steps" : $"{phase}: started");
        }
    }

    /// <inheritdoc/>
    public void Report(int step, IReadOnlyDictionary<string, double> metrics)
    {
        if (!_running)
        {
            throw new InvalidOperationException("TrainingDisplay.Report before Start");
        }
        lock (_gate)
        {
            (_step, _latest) = (step, new Dictionary<string, double>(metrics));
        }
        if (_interactive)
        {
            return; // the live thread redraws on its own tick
        }
        TimeSpan now = _clock();
        bool last = _total > 0 && step >= _total;
        if (last || _lastPlain is not { } previous || now - previous >= PlainInterval)
        {
            _lastPlain = now;
            _lastPrinted = step;
            _output.WriteLine(PlainLine());
        }
    }

    /// <inheritdoc/>
    public void Message(string message)
    {
        if (_interactive && _running)
        {
            lock (_gate)
            {
                _messages.Enqueue(message);
            }
            _wake.Release();
        }
        else
        {
            _output.WriteLine(message);
        }
    }

    /// <inheritdoc/>
    public void Finish()
    {
        if (!_running)
        {
            return;
        }
        if (_interactive)
        {
            lock (_gate)
            {
                _stopping = true;
            }
            _wake.Release();
            _live!.GetAwaiter().GetResult();
        }
        else if (_step != _lastPrinted && _step > 0)
        {
            _output.WriteLine(PlainLine());
        }
        _running = false;
    }

    /// <summary>Ends a running phase.</summary>
    public void Dispose()
    {
        Finish();
        _wake.Dispose();
    }

    /// <summary>The plain line: <c>rl step 12/40  reward 0.613  kl 0.0021 ...</c> or
    /// <c>sft step 12/2200  describe loss 2.31  s/step 0.12</c> (the metrics of the phase the step reported).
    /// </summary>
    internal string PlainLine()
    {
        string count = _total > 0 ? $"{_step}/{_total}" : $"{_step}";
        var parts = new List<string> { $"{_phase} step {count}" };
        foreach ((string label, string key) in Shown)
        {
            if (_latest.TryGetValue(key, out double value))
            {
                parts.Add($"{label} {Format(value)}");
            }
        }
        return string.Join("  ", parts);
    }

    private static string Format(double value) => double.IsNaN(value)
        ? "nan"
        : value.ToString(System.Math.Abs(value) >= 1000 ? "0" : "G4", CultureInfo.InvariantCulture);

    private void RunLive()
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_output),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
        {
            while (true)
            {
                string[] messages;
                bool stopping;
                lock (_gate)
                {
                    messages = [.. _messages];
                    _messages.Clear();
                    stopping = _stopping;
                }
                foreach (string message in messages)
                {
                    console.WriteLine(message);
                }
                ctx.UpdateTarget(Render());
                ctx.Refresh();
                if (stopping)
                {
                    return;
                }
                _wake.Wait(RedrawInterval);
            }
        });
    }

    /// <summary>The live view: the bar line over a one-row table of the latest metrics.</summary>
    private IRenderable Render()
    {
        lock (_gate)
        {
            double fraction = _total > 0 ? System.Math.Clamp((double)_step / _total, 0, 1) : 0;
            int filled = (int)System.Math.Round(fraction * BarWidth);
            double seconds = (_clock() - _started).TotalSeconds;
            string pace = _step > 0 ? $"{seconds / _step:0.00} s/step" : "";
            string eta = _step > 0 && _total > _step
                ? $"  eta {TimeSpan.FromSeconds(seconds / _step * (_total - _step)):hh\\:mm\\:ss}"
                : "";
            string count = _total > 0 ? $"{_step}/{_total}" : $"{_step}";
            var bar = new Markup($"[bold]{Markup.Escape(_phase)}[/] [green]{new string('━', filled)}[/]" +
                $"[grey]{new string('━', BarWidth - filled)}[/] {fraction * 100,3:0}%  {count} steps  {pace}{eta}");

            var table = new Table().Border(TableBorder.Rounded);
            var row = new List<string>();
            var columns = Shown.Where(s => _latest.ContainsKey(s.Key)).ToArray();
            foreach ((string label, string key) in columns.Length > 0 ? columns : Shown)
            {
                table.AddColumn(new TableColumn(label).RightAligned());
                row.Add(_latest.TryGetValue(key, out double value) ? Format(value) : "-");
            }
            table.AddRow(row.ToArray());
            return new Rows(bar, table);
        }
    }
}
