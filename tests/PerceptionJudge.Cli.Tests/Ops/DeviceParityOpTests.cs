using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary>
/// <c>pjudge math OP --backend vulkan</c> and <c>--backend ilgpu</c> give the answers of <c>--backend cpu</c> for the
/// ops whose kernels they port (GLSL shaders; ILGPU kernels, on ILGPU's CPU accelerator in CI): every number of the
/// output object within 1e-5 relative (float32 device sums in another order, the device's <c>exp</c>). Skipped, with
/// the reason, where the device did not open or the op is not ported to that backend.
/// </summary>
[TestFixture("vulkan")]
[TestFixture("ilgpu")]
public sealed class DeviceParityOpTests(string backend)
{
    /// <summary>The ops <c>--backend ilgpu</c> runs (<see cref="IlgpuRuntime.PortedFamilies"/>).</summary>
    private static readonly string[] s_onIlgpu =
    [
        "advantage", "kl_penalty", "trl_advantage", "agg_loss", "policy_loss", "batch_ranking_reward", "kendall_tau",
        "spearman", "ndcg", "levenshtein", "entropy", "log_prob", "perpo_loss",
    ];

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
        foreach (string mode in new[] { "vanilla", "gspo", "gpg", "geo_mean", "cispo", "sapo", "kl_cov", "clip_cov" })
        {
            yield return new TestCaseData("policy_loss", $$"""{"loss_mode": "{{mode}}", {{tokens}}}""")
                .SetArgDisplayNames($"policy_loss {mode}");
        }

        yield return new TestCaseData("policy_loss", $$"""
            {"loss_mode": "kl_cov", "kl_cov_ratio": 0.5, "loss_agg_mode": "seq-mean-token-sum", {{tokens}}}
            """).SetArgDisplayNames("policy_loss kl_cov half");
        yield return new TestCaseData("batch_ranking_reward", """
            {"solution_str": "<answer>3, 9, 1, 5</answer>", "ground_truth": "BDAC"}
            """).SetArgDisplayNames("batch_ranking_reward");
        yield return new TestCaseData("log_prob", """
            {"logits": [[[0.5, -1, 2], [3, 0, 0.25]], [[-2, -2, 1], [0, 0, 0]]], "labels": [[2, 0], [1, 2]],
             "temperature": 0.7}
            """).SetArgDisplayNames("log_prob T 0.7");
        yield return new TestCaseData("entropy", """{"logits": [[[0, 1, 4], [2, 0, -1]]]}""")
            .SetArgDisplayNames("entropy");
        yield return new TestCaseData("perpo_loss", """
            {"log_prob": [-1, -2, -0.5, -3, -1.5], "ref_log_prob": [-1.2, -1.8, -1, -2.5, -1.5],
             "rewards": [1, 0, 0.5, 0.5, 2], "index": ["a", "a", "b", "b", "b"], "beta": 0.3, "gamma": 0.4}
            """).SetArgDisplayNames("perpo_loss ties");
        yield return new TestCaseData("kendall_tau", """{"x": [1, 2, 2, 5, 3], "y": [2, 1, 4, 4, 0.5]}""")
            .SetArgDisplayNames("kendall_tau ties");
        yield return new TestCaseData("spearman", """{"x": [1, 2, 2, 5, 3], "y": [2, 1, 4, 4, 0.5]}""")
            .SetArgDisplayNames("spearman ties");
        yield return new TestCaseData("ndcg", """{"relevance": [5, 1, 0, 0, 10], "k": 4}""")
            .SetArgDisplayNames("ndcg k 4");
        yield return new TestCaseData("levenshtein", """{"a": "kitten on a mat", "b": "sitting on the mat"}""")
            .SetArgDisplayNames("levenshtein");
        foreach (string estimator in new[] { "grpo", "rloo", "opo", "gpg", "reinforce_plus_plus_baseline" })
        {
            yield return new TestCaseData("advantage", $$"""
                {"estimator": "{{estimator}}", "token_level_rewards": [[1, 0.5], [0, 0], [1, 0], [0.25, 0], [2, 1]],
                 "response_mask": [[1, 1], [1, 0], [1, 1], [1, 1], [1, 0]], "index": ["a", "a", "b", "b", "c"]}
                """).SetArgDisplayNames($"advantage {estimator}");
        }

        foreach (string scale in new[] { "group", "batch", "none" })
        {
            yield return new TestCaseData("trl_advantage", $$"""
                {"rewards": [1, 0, 3, 0.5, 2], "index": ["a", "a", "b", "b", "b"], "scale_rewards": "{{scale}}"}
                """).SetArgDisplayNames($"trl_advantage {scale}");
        }
    }

    [TearDown]
    public void TearDown() => KernelBackend.Select(Backend.Cpu);

    [TestCaseSource(nameof(Cases))]
    public void DeviceBackend_GivesTheCpuAnswer(string op, string json)
    {
        SkipUnlessTheDeviceOpened();
        if (backend == "ilgpu" && !s_onIlgpu.Contains(op))
        {
            Assert.Ignore($"{op} is not ported to ILGPU yet; ported: {string.Join(", ", s_onIlgpu)}");
        }

        if (backend == "vulkan" && op == "perpo_loss")
        {
            Assert.Ignore("perpo_loss: the listwise family has no Vulkan shaders");
        }

        var device = OpHarness.RunRaw(backend, op, json);
        Assert.That((device.ExitCode, device.StderrLines[0]), Is.EqualTo((0, $"backend: {backend}")), device.Stderr);
        var cpu = OpHarness.Run("cpu", op, json);
        AssertSameNumbers(JsonNode.Parse(device.Stdout), cpu, op);
    }

    private void SkipUnlessTheDeviceOpened()
    {
        var (available, reason) = backend == "ilgpu"
            ? (IlgpuRuntime.IsAvailable, IlgpuRuntime.UnavailableReason)
            : (VulkanRuntime.IsAvailable, VulkanRuntime.UnavailableReason);
        if (!available)
        {
            Assert.Ignore($"{backend} tests skipped: {reason}");
        }
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
