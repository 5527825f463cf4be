using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Tests;

/// <summary>The command tree, output, backend choice and exit-code policy, through the test-only ops.</summary>
[TestFixture]
public sealed class AppTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown()
    {
        _dir.Delete();
        KernelBackend.Select(Backend.Cpu);
    }

    private CliResult Math(string op, string json, params string[] extra) =>
        CliRun.Run(TestOps.Table(), ["math", op, "--input", _dir.File("in.json", json), .. extra]);

    private static void AssertUserError(CliResult r, string expected)
    {
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.StderrLines[0], Is.EqualTo("error: " + expected));
        Assert.That(r.Stdout, Is.Empty);
    }

    [Test]
    public void MathOp_WritesPrettyJsonToStdout()
    {
        var r = Math("scale", """{"x": [[1, -2], [0.5, 3]], "factor": 3}""");
        Assert.That((r.ExitCode, r.Stderr), Is.EqualTo((0, "")));
        Assert.That(r.Stdout, Does.Contain("\n  \"y\": [\n    [3,-6],\n    [1.5,9]\n  ]\n"));
        Assert.That(JsonNode.Parse(r.Stdout)!["y"]!.ToJsonString(), Is.EqualTo("[[3,-6],[1.5,9]]"));
    }

    [Test]
    public void MathOp_WritesToOutputFile()
    {
        string output = _dir.File("out.json");
        var r = Math("scale", """{"x": [[1]]}""", "--output", output);
        Assert.That((r.ExitCode, r.Stdout, r.Stderr), Is.EqualTo((0, "", "")));
        Assert.That(JsonNode.Parse(File.ReadAllText(output))!["y"]![0]![0]!.GetValue<float>(), Is.EqualTo(2f));
    }

    [Test]
    public void MathOp_NaNInputIsReportedByTheKernelGuardWithRow() =>
        AssertUserError(Math("scale", """{"x": [[1, 2], [3, "NaN"]]}"""), "x[1]: value NaN at column 1 is not finite");

    [Test]
    public void MathOp_PythonsBareNaNIsReportedByTheKernelGuardWithRow() =>
        AssertUserError(Math("scale", """{"x": [[1, 2], [3, NaN]]}"""), "x[1]: value NaN at column 1 is not finite");

    [Test]
    public void MathOp_MalformedJsonNamesTheOneBasedLine() =>
        AssertUserError(Math("scale", "{\n\"x\": [[1]\n\"factor\": 2}"),
            "input: invalid JSON: '\"' is invalid after a value. Expected either ',', '}', or ']'. (line 3, byte 1)");

    [Test]
    public void NoArguments_ListsTheCommands()
    {
        var r = CliRun.Run(TestOps.Table());
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stdout, Is.Empty);
        Assert.That(r.StderrLines[0], Is.EqualTo("error: pjudge: no command given; the commands are:"));
        foreach (string command in new[] { "info", "math", "ppjd", "demo", "train", "eval", "report", "bench" })
        {
            Assert.That(r.StderrLines, Has.Some.StartWith($"  {command} "), command);
        }

        Assert.That(r.StderrLines[^1], Is.EqualTo("run 'pjudge <command> --help' for one command's options"));
    }

    [Test]
    public void MathOp_RaggedRowsNameFieldAndRow() =>
        AssertUserError(Math("scale", """{"x": [[1, 2], [3]]}"""), "x[1]: row has 1 columns, expected 2");

    [Test]
    public void MathOp_UnknownFieldIsAUserError() =>
        AssertUserError(Math("scale", """{"x": [[1]], "facter": 2}"""),
            "facter: unknown field; valid fields: x, factor, mode");

    [Test]
    public void MathOp_WrongJsonTypeIsAUserError() =>
        AssertUserError(Math("scale", """{"x": [[1]], "factor": "two"}"""),
            "factor: expected a number, got the string \"two\"");

    [Test]
    public void MathOp_MalformedJsonIsAUserError()
    {
        var r = Math("scale", """{"x": [[1]""");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.StderrLines[0], Does.StartWith("error: input: invalid JSON: "));
    }

    [Test]
    public void MathOp_UnknownOpListsValidOps() =>
        AssertUserError(Math("scael", "{}"), "op: unknown name 'scael'; valid names: buggy, group_size, scale");

    [Test]
    public void MathOp_MissingInputFileIsAUserError()
    {
        var r = CliRun.Run(TestOps.Table(), "math", "scale", "--input", Path.Combine(_dir.Path, "none.json"));
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.StderrLines[0], Does.StartWith("error: --input: cannot read '"));
    }

    [Test]
    public void MathOp_MissingInputOptionIsAUserError() =>
        AssertUserError(CliRun.Run(TestOps.Table(), "math", "scale"), "Option '--input' is required.");

    [Test]
    public void MathOp_InternalErrorExitsOneWithStackTrace()
    {
        var r = Math("buggy", "{}");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("System.InvalidOperationException: invariant broken"));
        Assert.That(r.Stderr, Does.Contain("   at "));
    }

    [Test]
    public void NoCommand_IsAUserError() =>
        Assert.That(CliRun.Run(TestOps.Table()).ExitCode, Is.EqualTo(2));

    [Test]
    public void Backend_ReferenceIsSelectedAndPrintedToStderr()
    {
        var r = CliRun.Run(TestOps.Table(), "--backend", "reference", "info");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stderr, Is.EqualTo("backend: reference\n"));
        Assert.That(r.Stdout, Does.StartWith("backend: reference\n"));
        Assert.That(KernelBackend.Current, Is.EqualTo(Backend.Reference));
    }

    [Test]
    public void Backend_OptionWorksAfterTheSubcommandToo()
    {
        var r = Math("scale", """{"x": [[1]]}""", "--backend", "cpu");
        Assert.That((r.ExitCode, r.Stderr), Is.EqualTo((0, "backend: cpu\n")));
        Assert.That(KernelBackend.Current, Is.EqualTo(Backend.Cpu));
    }

    [Test]
    public void Backend_DefaultIsCpuEvenAfterAnEarlierReferenceRun()
    {
        KernelBackend.Select(Backend.Reference);
        var r = CliRun.Run(TestOps.Table(), "info");
        Assert.That((r.ExitCode, r.Stderr), Is.EqualTo((0, "")));
        Assert.That(KernelBackend.Current, Is.EqualTo(Backend.Cpu));
    }

    [TestCase("gpu")]
    [TestCase("cuda")]
    public void Backend_UnknownIsAUserError(string name)
    {
        var r = CliRun.Run(TestOps.Table(), "--backend", name, "info");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.StderrLines[0], Does.StartWith($"error: Argument '{name}' not recognized"));
    }

    [Test]
    public void Backend_VulkanRunsPortedKernelsAndRejectsTheRestWithExitTwo()
    {
        string input = _dir.File("grpo.json", """
            {"estimator": "grpo", "token_level_rewards": [[1], [0], [1], [0]], "response_mask": [[1], [1], [1], [1]],
             "index": ["a", "a", "b", "b"]}
            """);
        string trl = _dir.File("trl.json", """
            {"rewards": [1, 0, 3, 0.5, 2], "index": ["a", "a", "b", "b", "b"], "scale_rewards": "batch"}
            """);
        string unported = _dir.File("perpo.json", """
            {"log_prob": [-1, -2], "ref_log_prob": [-1, -1], "rewards": [1, 0], "index": ["a", "a"]}
            """);
        var r = CliRun.Run("--backend", "vulkan", "math", "advantage", "--input", input);
        if (!PerceptionJudge.Kernels.Runtime.Vulkan.VulkanRuntime.IsAvailable)
        {
            Assert.That(r.ExitCode, Is.EqualTo(2));
            Assert.That(r.StderrLines[^1], Does.StartWith("error: ").And.Contain("mesa-vulkan-drivers"));
            Assert.Ignore("no Vulkan device here: checked the unavailable path only");
        }
        Assert.That((r.ExitCode, r.StderrLines[0]), Is.EqualTo((0, "backend: vulkan")), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("\"advantages\""));

        var onVulkan = CliRun.Run("--backend", "vulkan", "math", "trl_advantage", "--input", trl);
        var onCpu = CliRun.Run("--backend", "cpu", "math", "trl_advantage", "--input", trl);
        Assert.That(onVulkan.ExitCode, Is.EqualTo(0), onVulkan.Stderr);
        // float32 sums on the device against double on the CPU: the same answers to 1e-5 (|a| < 1.2, so also
        // relative; the difference is in the last bit).
        var vulkanAdv = JsonNode.Parse(onVulkan.Stdout)!["advantages"]!.AsArray().Select(v => (double)v!).ToArray();
        var cpuAdv = JsonNode.Parse(onCpu.Stdout)!["advantages"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.That(cpuAdv, Has.Length.EqualTo(5));
        Assert.That(vulkanAdv, Is.EqualTo(cpuAdv).Within(1e-5));

        // The listwise family (PerPO) has no GLSL kernels: a one-line error and exit code 2.
        var rejected = CliRun.Run("--backend", "vulkan", "math", "perpo_loss", "--input", unported);
        Assert.That(rejected.ExitCode, Is.EqualTo(2), rejected.Stderr);
        Assert.That(rejected.StderrLines[^1],
            Does.StartWith("error: ").And.Contain("listwise kernels are not available"));
    }

    [Test]
    public void Info_PrintsBackendSimdProcessorsAndDotnet()
    {
        var r = CliRun.Run(TestOps.Table(), "info");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stdout, Does.Contain("backend: cpu\n"));
        Assert.That(r.Stdout, Does.Contain($"processors: {Environment.ProcessorCount}\n"));
        bool v256 = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;
        Assert.That(r.Stdout, Does.Contain($"vector256 accelerated: {v256}"));
        Assert.That(r.Stdout, Does.Contain("simd: "));
        Assert.That(r.Stdout, Does.Contain("dotnet: .NET "));
    }

    [Test]
    public void Info_PrintsTheVulkanDeviceOrWhyItIsUnavailable()
    {
        var r = CliRun.Run(TestOps.Table(), "info");
        var vulkan = PerceptionJudge.Kernels.Runtime.Vulkan.VulkanRuntime.IsAvailable
            ? $"vulkan: {PerceptionJudge.Kernels.Runtime.Vulkan.VulkanRuntime.Shared.Device.Name} ("
            : "vulkan: unavailable (Vulkan is unavailable: ";
        Assert.That(r.Stdout, Does.Contain(vulkan));
        Assert.That(r.Stdout, Does.Contain("subgroup ").Or.Contain("mesa-vulkan-drivers libvulkan1 glslang-tools"));
    }

    [Test]
    public void List_PrintsOpsFieldsAndRegistries()
    {
        var r = CliRun.Run(TestOps.Table(), "math", "list");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stdout, Does.Contain("  scale"));
        Assert.That(r.Stdout, Does.Contain("required: x\n"));
        Assert.That(r.Stdout, Does.Contain("optional: factor, mode\n"));
        Assert.That(r.Stdout, Does.Contain("mode (scale): plain, doubled\n"));
        Assert.That(r.Stdout.IndexOf("buggy", StringComparison.Ordinal),
            Is.LessThan(r.Stdout.IndexOf("group_size", StringComparison.Ordinal)));
    }

    [Test]
    public void ProductTable_HasUniqueNamesAndListRuns()
    {
        var r = CliRun.Run("math", "list");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stdout, Does.StartWith("ops:\n"));
    }
}
