using PerceptionJudge.Cli.Tests.Support;
using static PerceptionJudge.Cli.Tests.Support.OpHarness;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary><c>policy_loss</c> end-to-end against hand-computed values, on each backend.</summary>
[TestFixtureSource(typeof(OpHarness), nameof(OpHarness.Backends))]
public sealed class PolicyLossOpTests(string backend)
{
    private static string OneToken(string mode, double logProb, double advantage, string extra = "") => $$"""
        {"loss_mode": "{{mode}}", "old_log_prob": [[0]], "log_prob": [[{{logProb}}]], "advantages": [[{{advantage}}]],
         "response_mask": [[1]]{{extra}}}
        """;

    [Test]
    public void Vanilla_OnPolicyIsMinusMaskedMeanAdvantage()
    {
        // r = 1 everywhere: loss = token-mean(-A) over 3 valid tokens = -(1 + 1 - 2) / 3; d/dlogp = -A * r / 3.
        var output = Run(backend, "policy_loss", """
            {"loss_mode": "vanilla", "old_log_prob": [[-1, -1], [-1, -1]], "log_prob": [[-1, -1], [-1, -1]],
             "advantages": [[1, 1], [-2, -2]], "response_mask": [[1, 1], [1, 0]]}
            """);
        Assert.That(Scalar(output["pg_loss"]), Is.EqualTo(0).Within(1e-6));
        Assert.That(Scalar(output["pg_clipfrac"]), Is.EqualTo(0));
        Assert.That(Scalar(output["ppo_kl"]), Is.EqualTo(0).Within(1e-7));
        Assert.That(Scalar(output["pg_clipfrac_lower"]), Is.EqualTo(0));
        double third = 1.0 / 3;
        Assert.That(Matrix(output["grad_log_prob"]),
            Is.EqualTo(new[] { new[] { -third, -third }, new[] { 2 * third, 0 } }).Within(1e-6));
    }

    [Test]
    public void Vanilla_RatioAboveOnePlusClipIsClippedWithZeroGradient()
    {
        // r = 1.5, A = 1: max(-1.5, -1.2) = -1.2 from the clipped branch, so no gradient; clipfrac 1.
        var output = Run(backend, "policy_loss", OneToken("vanilla", System.Math.Log(1.5), 1));
        Assert.That(Scalar(output["pg_loss"]), Is.EqualTo(-1.2).Within(1e-6));
        Assert.That(Scalar(output["pg_clipfrac"]), Is.EqualTo(1));
        Assert.That(Scalar(output["ppo_kl"]), Is.EqualTo(-System.Math.Log(1.5)).Within(1e-6));
        Assert.That(Matrix(output["grad_log_prob"])[0][0], Is.EqualTo(0));
    }

    [Test]
    public void Vanilla_ClipRatioHighWidensTheUpperClip()
    {
        // 1.5 < 1 + 0.6: unclipped, loss = -r·A = -1.5, d/dlogp = -A·r = -1.5.
        var output = Run(backend, "policy_loss",
            OneToken("vanilla", System.Math.Log(1.5), 1, """, "clip_ratio_high": 0.6"""));
        Assert.That(Scalar(output["pg_loss"]), Is.EqualTo(-1.5).Within(1e-6));
        Assert.That(Scalar(output["pg_clipfrac"]), Is.EqualTo(0));
        Assert.That(Matrix(output["grad_log_prob"])[0][0], Is.EqualTo(-1.5).Within(1e-6));
    }

    [Test]
    public void Vanilla_DualClipBoundsNegativeAdvantageLoss()
    {
        // r = 4, A = -1: max(4, 1.2) = 4 exceeds clip_ratio_c·(-A) = 3, so the loss is 3 and the gradient 0.
        var output = Run(backend, "policy_loss", OneToken("vanilla", System.Math.Log(4), -1));
        Assert.That(Scalar(output["pg_loss"]), Is.EqualTo(3).Within(1e-5));
        Assert.That(Scalar(output["pg_clipfrac_lower"]), Is.EqualTo(1));
        Assert.That(Matrix(output["grad_log_prob"])[0][0], Is.EqualTo(0));
    }

    [Test]
    public void Gpg_IsMinusLogProbTimesAdvantage()
    {
        var output = Run(backend, "policy_loss", """
            {"loss_mode": "gpg", "old_log_prob": [[0, 0]], "log_prob": [[-1, -2]], "advantages": [[1, 1]],
             "response_mask": [[1, 1]]}
            """);
        Assert.That(Scalar(output["pg_loss"]), Is.EqualTo(1.5).Within(1e-6));
        Assert.That(Matrix(output["grad_log_prob"])[0], Is.EqualTo(new[] { -0.5, -0.5 }).Within(1e-6));
    }

    [Test]
    public void PolicyLoss_UnknownModeListsValidOnes() =>
        Assert.That(Error(backend, "policy_loss", OneToken("ppo", 0, 1)),
            Does.StartWith("loss_mode: unknown name 'ppo'; valid names: ").And.Contain("vanilla"));

    [Test]
    public void PolicyLoss_BadClipRatioCIsAUserError() =>
        Assert.That(Error(backend, "policy_loss", OneToken("vanilla", 0, 1, """, "clip_ratio_c": 0.5""")),
            Does.StartWith("clip_ratio_c: "));

    [Test]
    public void PolicyLoss_NaNAdvantageNamesRow() =>
        Assert.That(Error(backend, "policy_loss", """
            {"loss_mode": "vanilla", "old_log_prob": [[0], [0]], "log_prob": [[0], [0]], "advantages": [[1], ["NaN"]],
             "response_mask": [[1], [1]]}
            """), Does.StartWith("advantages[1]: "));

    [Test]
    public void PolicyLoss_ShapeMismatchNamesField() =>
        Assert.That(Error(backend, "policy_loss", """
            {"loss_mode": "vanilla", "old_log_prob": [[0], [0]], "log_prob": [[0]], "advantages": [[1], [1]],
             "response_mask": [[1], [1]]}
            """), Is.EqualTo("log_prob: expected 2 rows, got 1"));
}
