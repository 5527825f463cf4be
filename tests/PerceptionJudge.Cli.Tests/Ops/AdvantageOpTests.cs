using PerceptionJudge.Cli.Tests.Support;
using static PerceptionJudge.Cli.Tests.Support.OpHarness;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary><c>advantage</c> and <c>trl_advantage</c> end-to-end against hand-computed values.</summary>
[TestFixtureSource(typeof(OpHarness), nameof(OpHarness.Backends))]
public sealed class AdvantageOpTests(string backend)
{
    private const string Ones4 = "[[1], [1], [1], [1]]";

    [Test]
    public void Grpo_TwoGroupsOfTwo()
    {
        var output = Run(backend, "advantage", $$"""
            {"estimator": "grpo", "token_level_rewards": [[1], [0], [1], [0]], "response_mask": {{Ones4}},
             "index": ["a", "a", "b", "b"]}
            """);

        // Each group {1, 0}: mean 0.5, unbiased std sqrt(0.5); a = ±0.5 / (sqrt(0.5) + 1e-6).
        double a = 0.5 / (System.Math.Sqrt(0.5) + 1e-6);
        double[][] expected = [[a], [-a], [a], [-a]];
        Assert.That(Matrix(output["advantages"]), Is.EqualTo(expected).Within(1e-6));
        Assert.That(Matrix(output["returns"]), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Grpo_InterleavedIntegerIdsAndMaskedTokens()
    {
        // Scores s = row sums: 1, 0, 2, 1; group 7 = rows {0, 2} (mean 1.5), group 3 = rows {1, 3} (mean 0.5).
        var output = Run(backend, "advantage", """
            {"estimator": "grpo", "token_level_rewards": [[0, 1], [0, 0], [0, 2], [0, 1]],
             "response_mask": [[1, 1], [1, 0], [1, 1], [1, 1]], "index": [7, 3, 7, 3]}
            """);
        double a = 0.5 / (System.Math.Sqrt(0.5) + 1e-6);
        double[][] expected = [[-a, -a], [-a, 0], [a, a], [a, a]];
        Assert.That(Matrix(output["advantages"]), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Grpo_WithoutStdNormalisationIsScoreMinusMean()
    {
        var output = Run(backend, "advantage", $$"""
            {"estimator": "grpo", "token_level_rewards": [[3], [1], [2], [2]], "response_mask": {{Ones4}},
             "index": ["p", "p", "q", "q"], "norm_adv_by_std_in_grpo": false}
            """);
        Assert.That(Matrix(output["advantages"]), Is.EqualTo(new double[][] { [1], [-1], [0], [0] }).Within(1e-6));
    }

    [Test]
    public void Rloo_LeaveOneOutBaseline()
    {
        // Group of 3 scores {3, 0, 0}: a_i = s_i - mean of the others = (s_i - mean) * 3/2.
        var output = Run(backend, "advantage", """
            {"estimator": "rloo", "token_level_rewards": [[3], [0], [0]], "response_mask": [[1], [1], [1]],
             "index": ["g", "g", "g"]}
            """);
        Assert.That(Matrix(output["advantages"]), Is.EqualTo(new double[][] { [3], [-1.5], [-1.5] }).Within(1e-5));
    }

    [Test]
    public void Remax_ReverseCumsumMinusBaseline()
    {
        // returns = reverse cumulative sum of masked rewards; advantages = returns - baseline on valid tokens.
        var output = Run(backend, "advantage", """
            {"estimator": "remax", "token_level_rewards": [[1, 2], [0, 3]], "response_mask": [[1, 1], [1, 0]],
             "index": ["a", "b"], "reward_baselines": [0.5, 1]}
            """);
        Assert.That(Matrix(output["returns"]), Is.EqualTo(new double[][] { [3, 2], [0, 0] }).Within(1e-6));
        Assert.That(Matrix(output["advantages"]), Is.EqualTo(new double[][] { [2.5, 1.5], [-1, 0] }).Within(1e-6));
    }

    /// <summary>verl's reinforce_plus_plus and remax take no index; without one the result is the same.</summary>
    [TestCase("reinforce_plus_plus", "")]
    [TestCase("remax", ", \"reward_baselines\": [0.5, 1]")]
    public void UngroupedEstimators_NeedNoIndex(string estimator, string extra)
    {
        string body = $$"""
            "estimator": "{{estimator}}", "token_level_rewards": [[1, 2], [0, 3]], "response_mask": [[1, 1], [1, 0]]
            """ + extra;
        var without = Run(backend, "advantage", "{" + body + "}");
        var with = Run(backend, "advantage", "{" + body + ", \"index\": [\"a\", \"a\"]}");
        Assert.That(Matrix(without["advantages"]), Is.EqualTo(Matrix(with["advantages"])));
        Assert.That(Matrix(without["returns"]), Is.EqualTo(Matrix(with["returns"])));
        Assert.That(Matrix(without["returns"])[0], Is.EqualTo(new double[] { 3, 2 }).Within(1e-6), "reward-to-go");
    }

    [TestCase("grpo")]
    [TestCase("rloo")]
    [TestCase("reinforce_plus_plus_baseline")]
    public void GroupingEstimators_WithoutIndexNameTheField(string estimator) =>
        Assert.That(Error(backend, "advantage", $$"""
            {"estimator": "{{estimator}}", "token_level_rewards": [[1], [0]], "response_mask": [[1], [1]]}
            """), Is.EqualTo($"index: missing; the {estimator} estimator groups rows by prompt and needs one id per row"));

    [Test]
    public void Remax_WithoutBaselinesNamesTheField() =>
        Assert.That(Error(backend, "advantage", """
            {"estimator": "remax", "token_level_rewards": [[1]], "response_mask": [[1]], "index": ["a"]}
            """), Is.EqualTo("reward_baselines: missing; the remax estimator needs one baseline per row"));

    [Test]
    public void Trl_GroupScaleUsesStdPlus1e4()
    {
        var output = Run(backend, "trl_advantage", """
            {"rewards": [1, 0, 1, 0], "index": ["a", "a", "b", "b"], "scale_rewards": "group"}
            """);
        double a = 0.5 / (System.Math.Sqrt(0.5) + 1e-4);
        Assert.That(Vector(output["advantages"]), Is.EqualTo(new[] { a, -a, a, -a }).Within(1e-6));
    }

    [Test]
    public void Trl_NoScaleIsRewardMinusGroupMean()
    {
        var output = Run(backend, "trl_advantage", """
            {"rewards": [4, 2, 5], "index": [1, 1, 2], "scale_rewards": "none"}
            """);
        Assert.That(Vector(output["advantages"]), Is.EqualTo(new[] { 1.0, -1.0, 0.0 }).Within(1e-6));
    }

    [Test]
    public void Advantage_UnknownEstimatorListsValidOnes() =>
        Assert.That(Error(backend, "advantage", """
            {"estimator": "grpoo", "token_level_rewards": [[1]], "response_mask": [[1]], "index": ["a"]}
            """), Does.StartWith("estimator: unknown name 'grpoo'; valid names: ").And.Contain("grpo, grpo_passk"));

    [Test]
    public void Advantage_NaNRewardIsReportedWithRow() =>
        Assert.That(Error(backend, "advantage", """
            {"estimator": "grpo", "token_level_rewards": [[1], ["NaN"]], "response_mask": [[1], [1]],
             "index": ["a", "a"]}
            """), Does.StartWith("token_level_rewards[1]: "));

    [Test]
    public void Advantage_MaskShapeMismatchNamesField() =>
        Assert.That(Error(backend, "advantage", """
            {"estimator": "grpo", "token_level_rewards": [[1, 1], [0, 0]], "response_mask": [[1, 1], [1]],
             "index": ["a", "a"]}
            """), Is.EqualTo("response_mask[1]: row has 1 columns, expected 2"));

    [Test]
    public void Advantage_IndexLengthMismatchNamesField() =>
        Assert.That(Error(backend, "advantage", """
            {"estimator": "grpo", "token_level_rewards": [[1], [0]], "response_mask": [[1], [1]], "index": ["a"]}
            """), Is.EqualTo("index: expected 2 ids (one per row), got 1"));

    [Test]
    public void Trl_UnknownScaleListsValidOnes() =>
        Assert.That(Error(backend, "trl_advantage", """{"rewards": [1], "index": [0], "scale_rewards": "std"}"""),
            Is.EqualTo("scale_rewards: unknown name 'std'; valid names: group, batch, none"));
}
