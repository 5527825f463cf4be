using PerceptionJudge.Cli.Tests.Support;
using static PerceptionJudge.Cli.Tests.Support.OpHarness;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary><c>kl_penalty</c> and <c>agg_loss</c> end-to-end against hand-computed values, on each backend.</summary>
[TestFixtureSource(typeof(OpHarness), nameof(OpHarness.Backends))]
public sealed class LossOpTests(string backend)
{
    private const string Logprobs = """ "logprob": [[-1, -2]], "ref_logprob": [[-1.5, -2]] """;

    [TestCase("kl", 0.5, 0.0, 1.0, 1.0)]
    [TestCase("k1", 0.5, 0.0, 1.0, 1.0)]
    [TestCase("abs", 0.5, 0.0, 1.0, 0.0)]
    [TestCase("mse", 0.125, 0.0, 0.5, 0.0)]
    public void Kl_ElementwiseEstimatorsAndGradients(string mode, double kl0, double kl1, double g0, double g1)
    {
        var output = Run(backend, "kl_penalty", $$"""{"kl_penalty": "{{mode}}", {{Logprobs}}}""");
        Assert.That(Matrix(output["kl"]), Is.EqualTo(new[] { new[] { kl0, kl1 } }).Within(1e-6));
        Assert.That(Matrix(output["grad_logprob"]), Is.EqualTo(new[] { new[] { g0, g1 } }).Within(1e-6));
    }

    [Test]
    public void Kl_LowVarKlIsK3()
    {
        // d = logp - ref = 0.5, x = -d: kl = e^x - x - 1, d kl / d logp = 1 - e^x.
        double e = System.Math.Exp(-0.5);
        foreach (string mode in new[] { "low_var_kl", "k3" })
        {
            var output = Run(backend, "kl_penalty", $$"""{"kl_penalty": "{{mode}}", {{Logprobs}}}""");
            Assert.That(Matrix(output["kl"])[0], Is.EqualTo(new[] { e + 0.5 - 1, 0.0 }).Within(1e-6));
            Assert.That(Matrix(output["grad_logprob"])[0], Is.EqualTo(new[] { 1 - e, 0.0 }).Within(1e-6));
        }
    }

    [Test]
    public void Kl_StraightThroughKeepsValueWithK2Gradient()
    {
        var output = Run(backend, "kl_penalty", $$"""{"kl_penalty": "k1+", {{Logprobs}}}""");
        Assert.That(Matrix(output["kl"])[0], Is.EqualTo(new[] { 0.5, 0.0 }).Within(1e-6));
        Assert.That(Matrix(output["grad_logprob"])[0], Is.EqualTo(new[] { 0.5, 0.0 }).Within(1e-6));
    }

    [Test]
    public void Kl_InfinityNamesRowOfTheMatrix() =>
        Assert.That(Error(backend, "kl_penalty", """
            {"kl_penalty": "kl", "logprob": [[0, 0], [0, "-Infinity"]], "ref_logprob": [[0, 0], [0, 0]]}
            """), Does.StartWith("logprob[1]: ").And.Contain("column 1"));

    [Test]
    public void Kl_UnknownModeListsValidOnes() =>
        Assert.That(Error(backend, "kl_penalty", $$"""{"kl_penalty": "k4", {{Logprobs}}}"""),
            Does.StartWith("kl_penalty: unknown name 'k4'; valid names: abs, abs+, k1"));

    [Test]
    public void AggLoss_TokenMeanIsTheDefault()
    {
        var output = Run(backend, "agg_loss", """{"loss_mat": [[1, 2], [3, 4]], "loss_mask": [[1, 0], [1, 1]]}""");
        Assert.That(Scalar(output["loss"]), Is.EqualTo(8.0 / 3).Within(1e-6));
        double g = 1.0 / 3;
        Assert.That(Matrix(output["grad_loss_mat"]), Is.EqualTo(new[] { new[] { g, 0 }, new[] { g, g } }).Within(1e-6));
    }

    [Test]
    public void AggLoss_SeqMeanTokenMeanAveragesRowMeans()
    {
        var output = Run(backend, "agg_loss", """
            {"loss_mat": [[1, 2], [3, 4]], "loss_mask": [[1, 0], [1, 1]], "loss_agg_mode": "seq-mean-token-mean"}
            """);

        // Row means 1 and 3.5; their mean 2.25. d/dx[i,t] = m / (len_i * rows).
        Assert.That(Scalar(output["loss"]), Is.EqualTo(2.25).Within(1e-6));
        Assert.That(Matrix(output["grad_loss_mat"]),
            Is.EqualTo(new[] { new[] { 0.5, 0 }, new[] { 0.25, 0.25 } }).Within(1e-6));
    }

    [Test]
    public void AggLoss_SeqMeanTokenSumNormDividesByColumns()
    {
        var output = Run(backend, "agg_loss", """
            {"loss_mat": [[1, 2], [3, 4]], "loss_mask": [[1, 0], [1, 1]], "loss_agg_mode": "seq-mean-token-sum-norm"}
            """);
        Assert.That(Scalar(output["loss"]), Is.EqualTo(4.0).Within(1e-6));
    }

    [Test]
    public void AggLoss_UnknownModeListsValidOnes() =>
        Assert.That(Error(backend, "agg_loss", """
            {"loss_mat": [[1]], "loss_mask": [[1]], "loss_agg_mode": "token_mean"}
            """), Does.StartWith("loss_agg_mode: unknown name 'token_mean'; valid names: ").And.Contain("token-mean"));
}
