using System.Buffers;
using System.Numerics.Tensors;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Listwise;

/// <summary>
/// CPU implementation of the PerPO loss. Rewrites the pair logit as <c>u = k_i − k_j</c> with
/// <c>k = β(log π − log π_ref) − γ·r</c>, computed once per candidate (vectorised), so a pair costs one
/// subtraction, one exp and one log1p in float. Lists are best-of-N (N ≈ 4–16), so a batch is a few thousand
/// candidates: microseconds, single-threaded (a thread hand-off would cost more). Per-list sums are added in
/// list order in double, so the loss has the same bits every run.
/// </summary>
public sealed class ListwiseCpu : IListwiseKernels
{
    /// <inheritdoc />
    public float PerPOLoss(
        ReadOnlySpan<float> policyLogp,
        ReadOnlySpan<float> refLogp,
        ReadOnlySpan<float> rewards,
        GroupIndex lists,
        PerPOOptions options,
        Span<float> gradPolicyLogp)
    {
        ListwiseChecks.PerPO(policyLogp, refLogp, rewards, lists, options, gradPolicyLogp);
        int n = policyLogp.Length;
        float beta = options.Beta;
        float[] rented = ArrayPool<float>.Shared.Rent(2 * n);
        try
        {
            var k = rented.AsSpan(0, n);
            var gradU = rented.AsSpan(n, n);
            gradU.Clear();
            TensorPrimitives.Subtract(policyLogp, refLogp, k);
            TensorPrimitives.Multiply(k, beta, k);
            TensorPrimitives.MultiplyAdd(rewards, -options.Gamma, k, k);
            double total = 0.0;
            long pairs = 0;
            for (int g = 0; g < lists.GroupCount; g++)
            {
                var rows = lists.RowsOf(g);
                float listSum = 0f;
                foreach (int i in rows)
                {
                    float ri = rewards[i], ki = k[i];
                    foreach (int j in rows)
                    {
                        if (!(ri > rewards[j]))
                        {
                            continue;
                        }

                        float u = ki - k[j];
                        float e = MathF.Exp(-MathF.Abs(u));
                        listSum += MathF.Max(-u, 0f) + float.LogP1(e);
                        float dU = u >= 0f ? -e / (1f + e) : -1f / (1f + e);
                        gradU[i] += dU;
                        gradU[j] -= dU;
                        pairs++;
                    }
                }

                total += listSum;
            }

            float scale = pairs > 0 ? (float)(1.0 / pairs) : 0f;
            if (gradPolicyLogp.Length > 0)
            {
                TensorPrimitives.Multiply(gradU, beta * scale, gradPolicyLogp);
            }

            return (float)(total * (pairs > 0 ? 1.0 / pairs : 0.0));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
