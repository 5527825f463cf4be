using PerceptionJudge.Cli.Tests.Support;
using static PerceptionJudge.Cli.Tests.Support.OpHarness;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary><c>perpo_loss</c> end-to-end against hand-computed values, on each backend.</summary>
[TestFixtureSource(typeof(OpHarness), nameof(OpHarness.Backends))]
public sealed class PerPOLossOpTests(string backend)
{
    private static double Sigmoid(double u) => 1 / (1 + System.Math.Exp(-u));

    [Test]
    public void PerPO_OnePairWithRewardMargin()
    {
        // One list, r = [1, 0]: u = h_0 - h_1 - gamma·(1 - 0) = -0.5; loss = -log σ(u); g_0 = β(σ(u) - 1) = -g_1.
        var output = Run(backend, "perpo_loss", """
            {"log_prob": [0, 0], "ref_log_prob": [0, 0], "rewards": [1, 0], "index": ["p", "p"], "beta": 0.1,
             "gamma": 0.5}
            """);
        double u = -0.5;
        double g = 0.1 * (Sigmoid(u) - 1);
        Assert.That(Scalar(output["loss"]), Is.EqualTo(-System.Math.Log(Sigmoid(u))).Within(1e-6));
        Assert.That(Vector(output["grad_log_prob"]), Is.EqualTo(new[] { g, -g }).Within(1e-6));
    }

    [Test]
    public void PerPO_EqualRewardsFormNoPair()
    {
        var output = Run(backend, "perpo_loss", """
            {"log_prob": [-1, -2], "ref_log_prob": [0, 0], "rewards": [1, 1], "index": [0, 0]}
            """);
        Assert.That(Scalar(output["loss"]), Is.EqualTo(0));
        Assert.That(Vector(output["grad_log_prob"]), Is.EqualTo(new[] { 0.0, 0.0 }));
    }

    [Test]
    public void PerPO_RewardsLengthMismatchNamesField() =>
        Assert.That(Error(backend, "perpo_loss", """
            {"log_prob": [0, 0], "ref_log_prob": [0, 0], "rewards": [1], "index": [0, 0]}
            """), Is.EqualTo("rewards: expected 2 elements, got 1"));
}
