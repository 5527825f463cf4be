using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace PerceptionJudge.Distributed.Tests;

/// <summary>The outcome of one <c>mpirun -np K dotnet PerceptionJudge.Distributed.MpiHost.dll scenario</c>.</summary>
internal sealed record MpiRunResult(int ExitCode, string Output, DateTimeOffset Ended, TimeSpan Elapsed);

/// <summary>
/// Launches the scenario host under mpirun (as root too: --allow-run-as-root; more ranks than cores:
/// --oversubscribe) and waits at most a limit; a job still running then is killed with its process tree and the test
/// fails, so a hang is a failure, never a stuck CI.
/// </summary>
internal static partial class MpiRun
{
    /// <summary>
    /// The time from the scenario's logged SIGKILL of rank 1 ("rank 1 SIGKILL at unix-ms N") to the job's end, printed
    /// to the test output; asserts the line is there.
    /// </summary>
    internal static TimeSpan SigkillToJobEnd(MpiRunResult run)
    {
        var killedAt = KilledAt().Match(run.Output);
        Assert.That(killedAt.Success, run.Output);
        var detected = run.Ended - DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(killedAt.Groups[1].Value));
        TestContext.Out.WriteLine($"SIGKILL to job end: {detected.TotalSeconds:F2} s");
        return detected;
    }

    [GeneratedRegex(@"rank 1 SIGKILL at unix-ms (\d+)")]
    private static partial Regex KilledAt();

    private const string HostDll = "PerceptionJudge.Distributed.MpiHost.dll";

    internal static MpiRunResult Scenario(string scenario, int ranks, TimeSpan limit, params string[] arguments)
    {
        string mpirun = MpiRequirement.RequireMpirun();
        string host = Path.Combine(TestContext.CurrentContext.TestDirectory, HostDll);
        Assert.That(host, Does.Exist, "the scenario host is built beside the tests (ProjectReference)");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(mpirun)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
            { "--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(), dotnet, host, scenario }
            .Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"mpirun -np {ranks} {scenario} did not end within {limit.TotalSeconds} s:\n{output}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        var ended = DateTimeOffset.UtcNow;
        TestContext.Out.WriteLine($"mpirun -np {ranks} {scenario}: exit {process.ExitCode} after " +
            $"{clock.Elapsed.TotalSeconds:F2} s\n{output}");
        return new MpiRunResult(process.ExitCode, output.ToString(), ended, clock.Elapsed);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
