using PerceptionJudge.Cli.Math;

namespace PerceptionJudge.Cli.Tests.Support;

/// <summary>The result of one in-process <c>pjudge</c> run.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs <c>pjudge</c> in-process through the same entry as Main, with captured writers.</summary>
internal static class CliRun
{
    public static CliResult Run(MathOpTable? ops, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = new PjudgeApp(stdout, stderr, ops).Run(args);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs with the product's op table.</summary>
    public static CliResult Run(params string[] args) => Run(null, args);
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempDir
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("pjudge-cli-").FullName;
    }

    public string Path { get; }

    public string File(string name, string? contents = null)
    {
        string path = System.IO.Path.Combine(Path, name);
        if (contents is not null)
        {
            System.IO.File.WriteAllText(path, contents);
        }

        return path;
    }

    public void Delete() => Directory.Delete(Path, recursive: true);
}
