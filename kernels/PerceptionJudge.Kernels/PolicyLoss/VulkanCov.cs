using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// verl v0.6.0 <c>kl_cov</c> and <c>clip_cov</c> on Vulkan (semantics: <see cref="CovLosses"/>).
/// <c>kl_cov</c> is one submission of three dispatches:
/// <c>cov_means.comp</c> (mean A and mean log_prob over the valid tokens, one workgroup),
/// <c>kl_cov_topk.comp</c> (a deterministic radix select of the k largest covariances, ties to the lower flat index,
/// one workgroup) and <c>policy_kl_cov.comp</c> (one workgroup per row, the row sums finished on the host as for the
/// other modes). k = max(1, ⌊valid·kl_cov_ratio⌋) is counted on the host from the mask, in double as the reference
/// does, so float rounding never changes k. The means are float32 with compensated sums: on inputs where two
/// covariances differ only in the last bits around the k-th, the selection could differ from the double-mean
/// reference, which the parity tests do not meet.
/// <c>clip_cov</c> is split where the random draw is: <c>cov_means.comp</c> (masked means) and
/// <c>clip_cov_candidates.comp</c> (valid, unclipped, lb &lt; cov &lt; ub) run on the device; the host compacts the
/// candidate flags in row-major order and draws max(1, ⌊clip_cov_ratio·Σm⌋) of them with the reference's seeded
/// partial Fisher–Yates shuffle on <see cref="Random"/>(<c>options.Seed</c>) (drawing indices is not math, and .NET's
/// generator is not reproduced in GLSL); a second submission runs <c>policy_clip_cov.comp</c> with the dropped flags.
/// </summary>
public sealed partial class PolicyLossVulkan
{
    private PolicyLossResult KlCov(
        in PolicyLossInput input, Span<float> grad, PolicyLossOptions options, AggMode agg, float? scaleFactor)
    {
        int rows = input.Rows, cols = input.Cols;
        int n = rows * cols;
        int valid = 0;
        foreach (float m in input.ResponseMask)
        {
            valid += m > 0 ? 1 : 0;
        }

        int take = Math.Min(valid, Math.Max(1, (int)(valid * options.KlCovRatio)));
        var context = Context;
        using var b = new CovBuffers(context, input);
        var (old, logProb, adv, mask, means, selected, g, sums) = b;
        var (x, y) = VulkanDispatch.Split(rows);
        var loss = new VulkanDispatch("policy_kl_cov", [old, logProb, adv, mask, g, sums, selected],
            Push(checked((uint)cols), (uint)rows, options.PpoKlCoef, 0f), x, y);
        if (valid == 0)
        {
            selected.AsSpan<uint>().Clear(); // no valid token: nothing selected (the reference's empty list)
            context.Run(loss);
        }
        else
        {
            context.Run(
                new VulkanDispatch("cov_means", [logProb, adv, mask, means],
                    VulkanDispatch.Bytes(new MeansPush((uint)n, Weighted: 0u)), 1),
                new VulkanDispatch("kl_cov_topk", [logProb, adv, mask, means, selected],
                    VulkanDispatch.Bytes(new TopKPush((uint)n, (uint)take)), 1),
                loss);
        }

        return FinishRows(sums, g, rows, cols, grad, agg, scaleFactor);
    }

    private PolicyLossResult ClipCov(
        in PolicyLossInput input, Span<float> grad, PolicyLossOptions options, AggMode agg, float? scaleFactor)
    {
        int rows = input.Rows, cols = input.Cols;
        int n = rows * cols;
        float lower = (float)(1.0 - options.Low), upper = (float)(1.0 + options.High);
        var context = Context;
        using var b = new CovBuffers(context, input);
        var (old, logProb, adv, mask, means, flags, g, sums) = b;
        var (ex, ey) = VulkanDispatch.Split(((long)n + 255) / 256);
        context.Run(
            new VulkanDispatch("cov_means", [logProb, adv, mask, means],
                VulkanDispatch.Bytes(new MeansPush((uint)n, Weighted: 1u)), 1),
            new VulkanDispatch("clip_cov_candidates", [old, logProb, adv, mask, means, flags],
                VulkanDispatch.Bytes(new CandidatePush(
                    (uint)n, lower, upper, options.ClipCovLb, options.ClipCovUb)), ex, ey));

        // The draw (as CovLosses.ClipCov): candidates in row-major order, a seeded partial Fisher–Yates shuffle.
        var f = flags.AsSpan<uint>()[..n];
        var candidates = new List<int>();
        for (int k = 0; k < n; k++)
        {
            if (f[k] != 0)
            {
                candidates.Add(k);
            }
        }

        int take = CovLosses.Draw(candidates, PolicyLossMath.MaskSum(input.ResponseMask), options);
        f.Clear(); // reused as the dropped flags
        for (int j = 0; j < take; j++)
        {
            f[candidates[j]] = 1;
        }

        var (x, y) = VulkanDispatch.Split(rows);
        context.Run(new VulkanDispatch("policy_clip_cov", [old, logProb, adv, mask, g, sums, flags],
            Push(checked((uint)cols), (uint)rows, lower, upper), x, y));
        return FinishRows(sums, g, rows, cols, grad, agg, scaleFactor);
    }

    /// <summary>The device buffers of both cov modes: the four operands, the two means, one uint flag per token
    /// (kl_cov: selected; clip_cov: candidate, then dropped), d loss/d logp and the per-row sums.</summary>
    private sealed class CovBuffers : IDisposable
    {
        private readonly VulkanBuffer[] _all;

        public CovBuffers(VulkanContext context, in PolicyLossInput input)
        {
            long n = (long)input.Rows * input.Cols;
            var made = new List<VulkanBuffer>(8);
            try
            {
                made.Add(VulkanBuffer.From(context, input.OldLogProb));
                made.Add(VulkanBuffer.From(context, input.LogProb));
                made.Add(VulkanBuffer.From(context, input.Advantages));
                made.Add(VulkanBuffer.From(context, input.ResponseMask));
                made.Add(VulkanBuffer.Create(context, 2 * sizeof(float)));
                made.Add(VulkanBuffer.Create(context, n * sizeof(uint)));
                made.Add(VulkanBuffer.Create(context, n * sizeof(float)));
                made.Add(VulkanBuffer.Create(context, (long)input.Rows * SumsPerRow * sizeof(float)));
            }
            catch
            {
                made.ForEach(b => b.Dispose()); // an allocation failed: free what was made, now
                throw;
            }

            _all = [.. made];
        }

        public void Deconstruct(out VulkanBuffer old, out VulkanBuffer logProb, out VulkanBuffer adv,
            out VulkanBuffer mask, out VulkanBuffer means, out VulkanBuffer flags, out VulkanBuffer g,
            out VulkanBuffer sums) =>
            (old, logProb, adv, mask, means, flags, g, sums) =
                (_all[0], _all[1], _all[2], _all[3], _all[4], _all[5], _all[6], _all[7]);

        public void Dispose()
        {
            foreach (var buffer in _all)
            {
                buffer.Dispose();
            }
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private readonly record struct CandidatePush(uint N, float Lower, float Upper, float Lb, float Ub);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private readonly record struct TopKPush(uint N, uint Take);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private readonly record struct MeansPush(uint N, uint Weighted);
}
