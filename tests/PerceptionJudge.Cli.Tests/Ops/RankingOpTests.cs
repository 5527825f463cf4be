using PerceptionJudge.Cli.Tests.Support;
using static PerceptionJudge.Cli.Tests.Support.OpHarness;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary>Judge rewards and ranking metrics end-to-end against hand-computed values, on each backend.</summary>
[TestFixtureSource(typeof(OpHarness), nameof(OpHarness.Backends))]
public sealed class RankingOpTests(string backend)
{
    [TestCase("<answer>BCA</answer>", 1.0)]
    [TestCase("<answer>CBA</answer>", 2.0 / 3)] // only the pair (B, C) is flipped: 1 - 1/3
    [TestCase("<answer>ACB</answer>", 0.0)] // the reverse order flips all 3 pairs
    [TestCase("I cannot rank these", 0.0)]
    public void BatchRankingReward_OneMinusDiscordantFraction(string solution, double reward)
    {
        var output = Run(backend, "batch_ranking_reward",
            $$"""{"solution_str": "{{solution}}", "ground_truth": "BCA"}""");
        Assert.That(Scalar(output["reward"]), Is.EqualTo(reward).Within(1e-6));
    }

    [Test]
    public void BatchRankingReward_BadGroundTruthIsAUserError() =>
        Assert.That(Error(backend, "batch_ranking_reward", """{"solution_str": "ABC", "ground_truth": "AAB"}"""),
            Does.StartWith("ground_truth: "));

    [TestCase("The first is sharper. [[A]]", "A", 1.0)]
    [TestCase("The first is sharper. [[A]]", "B", 0.0)]
    [TestCase("<answer>C</answer>", "C", 1.0)]
    [TestCase("[[A]] or maybe [[B]]", "A", 0.0)]
    public void PairReward_VerdictMatchesGroundTruth(string solution, string truth, double reward)
    {
        var output = Run(backend, "pair_reward", $$"""{"solution_str": "{{solution}}", "ground_truth": "{{truth}}"}""");
        Assert.That(Scalar(output["reward"]), Is.EqualTo(reward));
    }

    [Test]
    public void PairReward_BadGroundTruthIsAUserError() =>
        Assert.That(Error(backend, "pair_reward", """{"solution_str": "[[A]]", "ground_truth": "D"}"""),
            Does.StartWith("ground_truth: "));

    [Test]
    public void KendallTau_OneSwapOfThree()
    {
        // Concordant 2, discordant 1, no ties: (2 - 1) / 3.
        var output = Run(backend, "kendall_tau", """{"x": [1, 2, 3], "y": [1, 3, 2]}""");
        Assert.That(Scalar(output["value"]), Is.EqualTo(1.0 / 3).Within(1e-12));
    }

    [Test]
    public void KendallTau_ConstantInputGivesNaNWrittenAsNamedLiteral()
    {
        var r = RunRaw(backend, "kendall_tau", """{"x": [1, 1, 1], "y": [1, 2, 3]}""");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stdout, Does.Contain("\"value\": \"NaN\""));
    }

    [Test]
    public void KendallTau_LengthMismatchNamesY() =>
        Assert.That(Error(backend, "kendall_tau", """{"x": [1, 2, 3], "y": [1, 2]}"""),
            Is.EqualTo("y: expected 3 elements, got 2"));

    [Test]
    public void Spearman_OneSwapOfThree()
    {
        // Ranks equal the values: rho = 1 - 6 * (0 + 1 + 1) / (3 * 8) = 0.5.
        var output = Run(backend, "spearman", """{"x": [10, 20, 30], "y": [1, 3, 2]}""");
        Assert.That(Scalar(output["value"]), Is.EqualTo(0.5).Within(1e-12));
    }

    [Test]
    public void Spearman_NaNIsAUserError() =>
        Assert.That(Error(backend, "spearman", """{"x": [1, "NaN"], "y": [1, 2]}"""), Does.StartWith("x"));

    [Test]
    public void Levenshtein_KittenSitting()
    {
        var output = Run(backend, "levenshtein", """{"a": "kitten", "b": "sitting"}""");
        Assert.That(Scalar(output["value"]), Is.EqualTo(3));
        Assert.That(Scalar(output["normalized"]), Is.EqualTo(3.0 / 7).Within(1e-12));
    }

    [Test]
    public void Levenshtein_NonStringIsAUserError() =>
        Assert.That(Error(backend, "levenshtein", """{"a": "x", "b": 5}"""),
            Is.EqualTo("b: expected a string, got the number 5"));

    [Test]
    public void Ndcg_DiscountsByLog2OfPosition()
    {
        // DCG = 0/log2(2) + 1/log2(3); ideal DCG = 1/log2(2) = 1.
        var output = Run(backend, "ndcg", """{"relevance": [0, 1]}""");
        Assert.That(Scalar(output["value"]), Is.EqualTo(1 / System.Math.Log2(3)).Within(1e-12));
        var top1 = Run(backend, "ndcg", """{"relevance": [0, 1], "k": 1}""");
        Assert.That(Scalar(top1["value"]), Is.EqualTo(0.0));
    }
}
