using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests;

/// <summary>The real executable (Main, console writers, process exit code), run out of process a few times.</summary>
[TestFixture]
public sealed class ProcessTests
{
    private static CliResult Pjudge(params string[] args) => Pjudge(new Dictionary<string, string?>(), args);

    private static CliResult Pjudge(Dictionary<string, string?> environment, params string[] args) =>
        PjudgeProcess.Run(environment, TimeSpan.FromMinutes(5), args);

    [Test]
    public void Info_ExitsZeroAndPrintsBackendChoiceToStderr()
    {
        var r = Pjudge("info", "--backend", "reference");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stdout, Does.StartWith("backend: reference"));
        Assert.That(r.Stderr.Trim(), Is.EqualTo("backend: reference"));
    }

    [Test]
    public void BadInput_ExitsTwoWithOneStderrLine()
    {
        var dir = new TempDir();
        try
        {
            string input = dir.File("in.json", """{"x": [1, 2, 3], "y": [1, 2]}""");
            var r = Pjudge("math", "kendall_tau", "--input", input);
            Assert.That(r.ExitCode, Is.EqualTo(2));
            Assert.That(r.Stdout, Is.Empty);
            Assert.That(r.Stderr.TrimEnd().Split('\n'), Is.EqualTo(new[] { "error: y: expected 3 elements, got 2" }));
        }
        finally
        {
            dir.Delete();
        }
    }

    [Test]
    public void Train_WithoutTheTorchRuntime_ExitsTwoNamingTheFileAndTheFix()
    {
        var dir = new TempDir();
        try
        {
            var r = Pjudge(new Dictionary<string, string?> { ["PJ_TORCH_RUNTIME"] = dir.Path }, "train");
            Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
            var lines = r.Stderr.TrimEnd().Split('\n');
            Assert.That(lines, Has.Length.EqualTo(1), r.Stderr);
            Assert.That(lines[0], Does.StartWith("error: libtorch could not be loaded: ")
                .And.Contain(Path.Combine(dir.Path, "libLibTorchSharp.so")).And.Contain("PJ_TORCH_RUNTIME"));
        }
        finally
        {
            dir.Delete();
        }
    }

    [Test]
    public void ModelCompare_RunsWithoutTheTorchRuntime()
    {
        var dir = new TempDir();
        try
        {
            string a = Path.Combine(dir.Path, "a.safetensors");
            new PerceptionJudge.Model.Weights.SafetensorsWriter().Add("x", new[] { 1f, 2f }, 2).Save(a);
            var r = Pjudge(
                new Dictionary<string, string?> { ["PJ_TORCH_RUNTIME"] = dir.Path }, "model", "compare", a, a);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout + r.Stderr);
            Assert.That(r.Stdout, Does.Contain("PASS: 1 compared"));
        }
        finally
        {
            dir.Delete();
        }
    }

    /// <summary>
    /// As under <c>mpirun</c> (OMPI_COMM_WORLD_SIZE set) on a machine whose libmpi.so.40 cannot be loaded: an empty
    /// file of that name first on LD_LIBRARY_PATH makes dlopen fail ("file too short") as a missing one would.
    /// </summary>
    [Test]
    public void Train_UnderMpirunWithoutOpenMpi_ExitsTwoWithOneLine()
    {
        var dir = new TempDir();
        try
        {
            dir.File("libmpi.so.40", string.Empty);
            var r = Pjudge(
                new Dictionary<string, string?> { ["OMPI_COMM_WORLD_SIZE"] = "1", ["LD_LIBRARY_PATH"] = dir.Path },
                "train");
            Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
            var lines = r.Stderr.TrimEnd().Split('\n');
            Assert.That(lines, Has.Length.EqualTo(1), r.Stderr);
            Assert.That(lines[0], Does.StartWith("error: Open MPI could not be loaded (").And.Contain("apt-get install"));
        }
        finally
        {
            dir.Delete();
        }
    }
}
