namespace PerceptionJudge.Bench;

/// <summary>
/// Seeded PPO operands over rows of <c>cols</c> tokens, shared by the CPU and Vulkan policy-loss benchmarks: old
/// log-probs around −2, new ones within ±0.3 of them, advantages in [−1, 1), and a ragged response mask (row r keeps
/// its first cols − r mod 512 tokens).
/// </summary>
internal sealed record PolicyLossOperands(float[] Old, float[] LogProb, float[] Advantages, float[] Mask)
{
    public static PolicyLossOperands Create(int n, int cols)
    {
        var rng = new Random(20261122);
        var old = new float[n];
        var lp = new float[n];
        var adv = new float[n];
        var mask = new float[n];
        for (int k = 0; k < n; k++)
        {
            old[k] = -2f + (float)(rng.NextDouble() - 0.5);
            lp[k] = old[k] + 0.6f * (float)(rng.NextDouble() - 0.5);
            adv[k] = (float)(rng.NextDouble() * 2 - 1);
            mask[k] = k % cols < cols - (k / cols % 512) ? 1f : 0f;
        }
        return new PolicyLossOperands(old, lp, adv, mask);
    }
}
