using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary>
/// <c>pjudge math OP --backend vulkan</c> gives the answers of <c>--backend cpu</c> for the ops whose kernels run as
/// GLSL shaders: every number of the output object within 1e-5 relative (float32 GPU sums in another order, the
/// device's <c>exp</c>). Skipped, with the reason, where no Vulkan device opened.
/// </summary>
[TestFixture]
public sealed class VulkanParityOpTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        const string tokens = """
            "old_log_prob": [[-1.2, -0.7, -2.0, -0.1], [-0.4, -3.0, -1.1, -0.9]],
            "log_prob": [[-1.0, -0.9, -1.2, -0.1], [-0.8, -2.5, -1.1, -1.6]],
            "advantages": [[0.5, 0.5, 0.5, 0.5], [-1.5, -1.5, -1.5, -1.5]],
            "response_mask": [[1, 1, 1, 0], [1, 1, 0, 0]]
            """;
        yield return new TestCaseData("kl_penalty", """
            {"kl_penalty": "low_var_kl", "logprob": [[-1.0, -0.2, -3.0], [-0.5, -7.0, -1.1]],
             "ref_logprob": [[-1.5, -0.2, -0.5], [-2.5, -1.0, -1.3]]}
            """).SetArgDisplayNames("kl_penalty k3");
        yield return new TestCaseData("agg_loss", """
            {"loss_agg_mode": "seq-mean-token-mean", "loss_mat": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
             "loss_mask": [[1, 1, 0], [0, 0, 0], [1, 0.5, 1]]}
            """).SetArgDisplayNames("agg_loss seq-mean-token-mean");
        foreach (string mode in new[] { "gspo", "gpg", "geo_mean", "cispo", "sapo" })
        {
            yield return new TestCaseData("policy_loss", $$"""{"loss_mode": "{{mode}}", {{tokens}}}""")
                .SetArgDisplayNames($"policy_loss {mode}");
        }

        foreach (string estimator in new[] { "rloo", "opo", "gpg", "reinforce_plus_plus_baseline" })
        {
            yield return new TestCaseData("advantage", $$"""
                {"estimator": "{{estimator}}", "token_level_rewards": [[1, 0.5], [0, 0], [1, 0], [0.25, 0], [2, 1]],
                 "response_mask": [[1, 1], [1, 0], [1, 1], [1, 1], [1, 0]], "index": ["a", "a", "b", "b", "c"]}
                """).SetArgDisplayNames($"advantage {estimator}");
        }
    }

    [TearDown]
    public void TearDown() => KernelBackend.Select(Backend.Cpu);

    [TestCaseSource(nameof(Cases))]
    public void VulkanBackend_GivesTheCpuAnswer(string op, string json)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        var vulkan = OpHarness.RunRaw("vulkan", op, json);
        Assert.That((vulkan.ExitCode, vulkan.StderrLines[0]), Is.EqualTo((0, "backend: vulkan")), vulkan.Stderr);
        var cpu = OpHarness.Run("cpu", op, json);
        AssertSameNumbers(JsonNode.Parse(vulkan.Stdout), cpu, op);
    }

    private static void AssertSameNumbers(JsonNode? actual, JsonNode? expected, string path)
    {
        switch (expected)
        {
            case JsonObject o:
                Assert.That(actual!.AsObject().Select(p => p.Key), Is.EquivalentTo(o.Select(p => p.Key)), path);
                foreach (var (key, value) in o)
                {
                    AssertSameNumbers(actual[key], value, $"{path}.{key}");
                }

                break;
            case JsonArray a:
                Assert.That(actual!.AsArray(), Has.Count.EqualTo(a.Count), path);
                for (int i = 0; i < a.Count; i++)
                {
                    AssertSameNumbers(actual[i], a[i], $"{path}[{i}]");
                }

                break;
            default:
                double e = OpHarness.Scalar(expected);
                double bound = 1e-5 * System.Math.Max(1, System.Math.Abs(e));
                Assert.That(OpHarness.Scalar(actual), Is.EqualTo(e).Within(bound), path);
                break;
        }
    }
}
