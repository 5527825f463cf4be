using System.Diagnostics;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests;

/// <summary>
/// <c>build.sh</c> on a machine where another apt holds the lock, with stand-ins first on PATH: <c>dpkg-query</c>
/// reports every package missing, <c>id</c> says root, <c>apt-get</c> records its arguments and fails with apt's lock
/// message (exit 100) the given number of times, <c>dotnet</c> records its arguments.
/// </summary>
[TestFixture]
public sealed class BuildScriptTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("build.sh is a bash script for Debian");
        }

        _dir = new TempDir();
    }

    [TearDown]
    public void TearDown() => _dir?.Delete();

    [Test]
    public void AptLockHeld_WaitsThenInstalls()
    {
        var (exitCode, stderr) = RunBuildScript(lockedCalls: 2, timeoutSeconds: 60);
        Assert.That(exitCode, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("another process holds the apt lock; waiting (up to 60s in all)"));
        var apt = AptCalls();
        Assert.That(apt, Has.Length.EqualTo(4), "two refused updates, the update, the install");
        Assert.That(apt, Has.All.StartWith("-o DPkg::Lock::Timeout=60 "));
        Assert.That(apt[^1], Does.Contain("install -y -qq --no-install-recommends ").And.Contain("libopenmpi-dev"));
        Assert.That(Calls("dotnet.calls"), Has.Some.EqualTo("cake build.cake --target=Nothing"));
    }

    [Test]
    public void AptLockNeverFreed_GivesUpWithAptsMessageAndExitCode()
    {
        var (exitCode, stderr) = RunBuildScript(lockedCalls: 1000, timeoutSeconds: 3);
        Assert.That(exitCode, Is.EqualTo(100));
        Assert.That(stderr, Does.Contain("E: Could not get lock /var/lib/apt/lists/lock"));
        Assert.That(AptCalls(), Has.All.Contain("update"), "never got to install");
        Assert.That(Calls("dotnet.calls"), Is.Empty);
    }

    private string[] AptCalls() => Calls("apt.calls");

    private string[] Calls(string file)
    {
        string path = _dir.File(file);
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private (int ExitCode, string Stderr) RunBuildScript(int lockedCalls, int timeoutSeconds)
    {
        string bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
        Script(bin, "dpkg-query", "exit 1");
        Script(bin, "id", "echo 0");
        Script(bin, "dotnet", $"echo \"$*\" >> '{_dir.File("dotnet.calls")}'");
        Script(bin, "apt-get", $"""
            echo "$*" >> '{_dir.File("apt.calls")}'
            n=$(wc -l < '{_dir.File("apt.calls")}')
            if [ "$n" -le {lockedCalls} ]; then
                echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 2770 (apt-get)" >&2
                exit 100
            fi
            """);
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "build.sh"));
        start.ArgumentList.Add("--target=Nothing");
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["APT_LOCK_TIMEOUT"] = timeoutSeconds.ToString();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        return (process.ExitCode, stderr);
    }

    private static void Script(string bin, string name, string body)
    {
        string path = Path.Combine(bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no build.sh above {AppContext.BaseDirectory}");
    }
}
