using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Cli.Tests.Math;

/// <summary><c>pjudge --backend vulkan math</c> on the ops whose kernels are ported (log-prob, ranking metrics): the
/// same answer as the CPU backend; a family with no GLSL kernels is a one-line user error.</summary>
[TestFixture]
public sealed class VulkanMathTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp()
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        _dir = new TempDir();
    }

    [TearDown]
    public void TearDown()
    {
        _dir?.Delete();
        KernelBackend.Select(Backend.Cpu);
    }

    private JsonNode Run(string backend, string op, string json)
    {
        var r = CliRun.Run("--backend", backend, "math", op, "--input", _dir.File($"{op}.json", json));
        Assert.That((r.ExitCode, r.StderrLines[0]), Is.EqualTo((0, $"backend: {backend}")), r.Stderr);
        return JsonNode.Parse(r.Stdout)!;
    }

    [Test]
    public void LogProb_OnVulkanMatchesCpu()
    {
        const string input = """
            {"logits": [[[1, 2, 3, 0.5], [0, 0, 0, 0]], [[-4, 2.5, 1, 7], [3, 3, -1, 0]]],
             "labels": [[2, 0], [3, 1]], "temperature": 0.8}
            """;
        var gpu = Run("vulkan", "log_prob", input);
        var cpu = Run("cpu", "log_prob", input);
        foreach (string field in new[] { "log_prob", "entropy" })
        {
            var g = gpu[field]!.AsArray().SelectMany(row => row!.AsArray()).Select(v => v!.GetValue<double>());
            var c = cpu[field]!.AsArray().SelectMany(row => row!.AsArray()).Select(v => v!.GetValue<double>());
            Assert.That(g, Is.EqualTo(c).Within(1e-5), field);
        }
    }

    [Test]
    public void RankingMetrics_OnVulkanEqualCpu()
    {
        const string tau = """{"x": [1, 2, 3, 4, 5], "y": [2, 1, 4, 3, 5]}""";
        Assert.That(Run("vulkan", "kendall_tau", tau)["value"]!.GetValue<double>(),
            Is.EqualTo(Run("cpu", "kendall_tau", tau)["value"]!.GetValue<double>()));
        var lev = Run("vulkan", "levenshtein", """{"a": "kitten", "b": "sitting"}""");
        Assert.That(lev["value"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(lev["normalized"]!.GetValue<double>(), Is.EqualTo(3.0 / 7).Within(1e-12));
        const string rho = """{"x": [1, 2, 3, 4, 5, 5], "y": [5, 6, 7, 8, 7, 1]}""";
        Assert.That(Run("vulkan", "spearman", rho)["value"]!.GetValue<double>(),
            Is.EqualTo(Run("cpu", "spearman", rho)["value"]!.GetValue<double>()));
        const string ndcg = """{"relevance": [5, 1, 0, 0, 10], "k": 4}""";
        double cpuNdcg = Run("cpu", "ndcg", ndcg)["value"]!.GetValue<double>();
        Assert.That(Run("vulkan", "ndcg", ndcg)["value"]!.GetValue<double>(),
            Is.EqualTo(cpuNdcg).Within(1e-5 * cpuNdcg), "float32 gains on the device");
    }

    /// <summary>The listwise (PerPO) family has no GLSL kernels: a one-line user error naming the backend.</summary>
    [Test]
    public void UnportedFamily_IsAOneLineUserError()
    {
        var r = CliRun.Run("--backend", "vulkan", "math", "perpo_loss", "--input",
            _dir.File("p.json", """{"log_prob": [-1, -2], "ref_log_prob": [-1, -2], "rewards": [1, 0], "index": [0, 0]}"""));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
        Assert.That(
            r.StderrLines[^1], Does.StartWith("error: ").And.Contain("Vulkan listwise kernels are not available"));
    }
}
