using PerceptionJudge.Cli.Tests.Support;
using static PerceptionJudge.Cli.Tests.Support.OpHarness;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary><c>entropy</c> and <c>log_prob</c> end-to-end against hand-computed values, on each backend.</summary>
[TestFixtureSource(typeof(OpHarness), nameof(OpHarness.Backends))]
public sealed class EntropyOpTests(string backend)
{
    private static double H(params double[] p) => -p.Sum(v => v * System.Math.Log(v));

    [Test]
    public void Entropy_OfSoftmaxPerToken()
    {
        // Token (0,0): uniform over 2 -> ln 2. Token (0,1): logits [0, ln 3] -> p = [1/4, 3/4].
        // Token (1,0): uniform over 2 with a shift. Token (1,1): one dominant logit -> near 0.
        double ln3 = System.Math.Log(3);
        var output = Run(backend, "entropy", $$"""
            {"logits": [[[0, 0], [0, {{ln3}}]], [[5, 5], [0, 40]]]}
            """);
        double[][] expected = [[System.Math.Log(2), H(0.25, 0.75)], [System.Math.Log(2), 0]];
        Assert.That(Matrix(output["entropy"]), Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void Entropy_TemperatureDividesLogits()
    {
        // z = [0, ln 9] / 2 = [0, ln 3] -> p = [1/4, 3/4].
        double ln9 = System.Math.Log(9);
        var output = Run(backend, "entropy", $$"""{"logits": [[[0, {{ln9}}]]], "temperature": 2}""");
        Assert.That(Matrix(output["entropy"])[0][0], Is.EqualTo(H(0.25, 0.75)).Within(1e-5));
    }

    [Test]
    public void Entropy_NaNNamesRowPositionAndLogit() =>
        Assert.That(Error(backend, "entropy", """{"logits": [[[0, 0], [0, 0]], [[0, 0], [0, "NaN"]]]}"""),
            Is.EqualTo("logits[1]: value NaN at position 1, logit 1 is not finite"));

    [Test]
    public void Entropy_RaggedVocabNamesRow() =>
        Assert.That(Error(backend, "entropy", """{"logits": [[[0, 0]], [[0]]]}"""),
            Is.EqualTo("logits[1]: position 0 has 1 logits, expected 2"));

    [Test]
    public void LogProb_IsLogSoftmaxAtTheLabel()
    {
        // logits [0, ln 3]: p = [1/4, 3/4]; labels pick 1 then 0.
        double ln3 = System.Math.Log(3);
        var output = Run(backend, "log_prob", $$"""{"logits": [[[0, {{ln3}}], [0, {{ln3}}]]], "labels": [[1, 0]]}""");
        Assert.That(Matrix(output["log_prob"])[0], Is.EqualTo(new[] { System.Math.Log(0.75), System.Math.Log(0.25) })
            .Within(1e-5));
        Assert.That(Matrix(output["entropy"])[0], Is.EqualTo(new[] { H(0.25, 0.75), H(0.25, 0.75) }).Within(1e-5));
    }

    [Test]
    public void LogProb_LabelOutsideVocabNamesRow() =>
        Assert.That(Error(backend, "log_prob", """{"logits": [[[0, 0]], [[0, 0]]], "labels": [[1], [2]]}"""),
            Is.EqualTo("labels[1]: token id 2 at column 0 outside [0, 2)"));
}
