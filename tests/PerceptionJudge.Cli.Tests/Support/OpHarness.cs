using System.Text.Json.Nodes;

namespace PerceptionJudge.Cli.Tests.Support;

/// <summary>
/// Runs one product op end-to-end (<c>pjudge math OP --input FILE --backend B</c>, in-process) and reads its
/// output back, so op tests check the whole path: JSON reading, the kernel, JSON writing.
/// </summary>
internal static class OpHarness
{
    /// <summary>The backends every op test runs on.</summary>
    public static readonly string[] Backends = ["cpu", "reference"];

    public static CliResult RunRaw(string backend, string op, string json)
    {
        var dir = new TempDir();
        try
        {
            return CliRun.Run("math", op, "--input", dir.File("in.json", json), "--backend", backend);
        }
        finally
        {
            dir.Delete();
        }
    }

    /// <summary>Runs and asserts success; returns the output object.</summary>
    public static JsonObject Run(string backend, string op, string json)
    {
        var r = RunRaw(backend, op, json);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    /// <summary>Runs and asserts a user error (exit 2, one line); returns that line without "error: ".</summary>
    public static string Error(string backend, string op, string json)
    {
        var r = RunRaw(backend, op, json);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
        string[] errors = [.. r.StderrLines.Where(l => !l.StartsWith("backend: ", StringComparison.Ordinal))];
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0], Does.StartWith("error: "));
        return errors[0]["error: ".Length..];
    }

    public static double Scalar(JsonNode? node) => node!.GetValue<double>();

    public static double[] Vector(JsonNode? node) => [.. node!.AsArray().Select(Scalar)];

    public static double[][] Matrix(JsonNode? node) => [.. node!.AsArray().Select(Vector)];
}
