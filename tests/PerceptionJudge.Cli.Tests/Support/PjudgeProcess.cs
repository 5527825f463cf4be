using System.Diagnostics;
using System.Text;

namespace PerceptionJudge.Cli.Tests.Support;

/// <summary>
/// <c>pjudge</c> as a child process (<c>dotnet pjudge.dll ARGS</c> from the test's output folder), with its stdout and
/// stderr collected as they come, so a test can wait for a line, SIGKILL it, or wait for its exit, each with a bound.
/// </summary>
internal sealed class PjudgeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private PjudgeProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything printed to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Everything printed to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_output)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts <c>pjudge ARGS</c> with <paramref name="environment"/> set (a null value removes a variable).
    /// </summary>
    public static PjudgeProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pjudge.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var child = new PjudgeProcess(new Process { StartInfo = start });
        child._process.OutputDataReceived += (_, e) => child.Append(child._output, e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(child._errors, e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs <c>pjudge ARGS</c> to its end (at most <paramref name="timeout"/>); returns the result.</summary>
    public static CliResult Run(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        using var child = Start(environment, args);
        return child.WaitForExit(timeout);
    }

    /// <summary>
    /// Waits until stderr holds <paramref name="line"/>; false when the process ended first or the time ran out.
    /// </summary>
    public bool WaitForStderrLine(string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Stderr.Contains(line, StringComparison.Ordinal))
            {
                return true;
            }
            if (_process.HasExited)
            {
                _process.WaitForExit(); // drains the readers
                return Stderr.Contains(line, StringComparison.Ordinal);
            }
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Linux), then waits for the process to be gone.
    /// </summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Waits for the exit; a process still running after <paramref name="timeout"/> is killed and fails.
    /// </summary>
    public CliResult WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"pjudge did not finish within {timeout}; stderr:\n{Stderr}");
        }
        _process.WaitForExit();
        return new CliResult(_process.ExitCode, Stdout, Stderr);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            target.Append(line).Append('\n');
        }
    }
}
