using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Grpo;

namespace PerceptionJudge.Training.Tests.Grpo;

[TestFixture]
public sealed class GrpoLossTests
{
    [Test]
    public void OnPolicy_TokenMean_GradientIsMinusAdvantageOverTokens()
    {
        // 2 rows × 3 cols, row 1 has 2 tokens: 5 valid tokens. At ratio 1 nothing clips, so
        // pg = −Σ A·m / Σ m and d pg / d logp_t = −A_t m_t / Σ m; ref = logp makes k3 and its gradient 0.
        float[] logp = [-1f, -2f, -0.5f, -1.5f, -0.3f, 0f];
        float[] adv = [1f, 1f, 1f, -2f, -2f, -2f];
        float[] mask = [1f, 1f, 1f, 1f, 1f, 0f];
        float[] entropy = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 9f];
        var grad = new float[6];
        var gradEntropy = new float[6];
        var terms = GrpoLoss.Compute(new AlgorithmConfig(), logp, logp, logp, entropy, adv, mask, 2, 3, 1f, grad,
            gradEntropy);
        Assert.That(terms.PgLoss, Is.EqualTo(-(3 * 1 - 2 * 2) / 5.0).Within(1e-6));
        Assert.That(terms.KlLoss, Is.EqualTo(0).Within(1e-7));
        Assert.That(terms.Entropy, Is.EqualTo(1.5 / 5).Within(1e-6));
        Assert.That(grad, Is.EqualTo(new[] { -0.2f, -0.2f, -0.2f, 0.4f, 0.4f, 0f }).Within(1e-6f));
        Assert.That(gradEntropy, Is.All.EqualTo(0f), "entropy_coeff 0");
    }

    [Test]
    public void Scale_And_EntropyBonus_AreApplied()
    {
        float[] logp = [-1f, -1f];
        float[] adv = [0f, 0f];
        float[] mask = [1f, 1f];
        float[] entropy = [1f, 3f];
        var grad = new float[2];
        var gradEntropy = new float[2];
        var config = new AlgorithmConfig { EntropyCoeff = 0.1, UseKlLoss = false };
        var terms = GrpoLoss.Compute(config, logp, logp, logp, entropy, adv, mask, 1, 2, 0.5f, grad, gradEntropy);
        // loss = (0 − 0.1·mean(entropy)) · 0.5; d loss / d entropy_t = −0.1 · (1/2) · 0.5.
        Assert.That(terms.Loss, Is.EqualTo(-0.1 * 2 * 0.5).Within(1e-6));
        Assert.That(gradEntropy, Is.All.EqualTo(-0.025f).Within(1e-7f));
    }

    [Test]
    public void KlTerm_PullsTowardsReference()
    {
        // k3 = exp(ref − logp) − (ref − logp) − 1; d/dlogp = 1 − exp(ref − logp) (> 0 when logp > ref).
        float[] logp = [-0.5f];
        float[] reference = [-1f];
        var grad = new float[1];
        var terms = GrpoLoss.Compute(new AlgorithmConfig(), logp, logp, reference, [0f], [0f], [1f], 1, 1, 1f, grad,
            new float[1]);
        double d = -0.5;
        Assert.That(terms.KlLoss, Is.EqualTo(Math.Exp(d) - d - 1).Within(1e-6));
        Assert.That(grad[0], Is.EqualTo(0.01 * (1 - Math.Exp(d))).Within(1e-6));
    }

    [Test]
    public void Chunks_KeepGroupsWhole_AndCoverEveryRow()
    {
        int[] groups = [0, 0, 0, 1, 1, 2, 2, 2, 2];
        int[] order = [0, 1, 2, 3, 4, 5, 6, 7, 8];
        var pieces = PolicyUpdate.Chunks(order, 4, groups).ToList();
        Assert.That(pieces.SelectMany(p => p), Is.EqualTo(order));
        Assert.That(pieces.Select(p => p.Length), Is.EqualTo(new[] { 3, 2, 4 }));
        Assert.That(PolicyUpdate.Chunks(order, 4, null).Select(p => p.Length), Is.EqualTo(new[] { 4, 4, 1 }));
    }
}
