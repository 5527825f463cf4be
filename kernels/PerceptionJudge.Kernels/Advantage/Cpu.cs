using System.Buffers;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Fast CPU advantages, same formulas as <see cref="AdvantageReference"/>. Group estimators run as: SIMD row sums
/// (skipped for outcome rewards, cols = 1) → per-group statistics over the <see cref="GroupIndex"/> CSR layout in
/// row order (double) → each member row written as <c>a_i · mask</c> (SIMD) straight to advantages and returns.
/// Work is cut into chunks that depend only on the sizes; reductions combine per-chunk partials in chunk order,
/// so results are the same bits on any thread count. No atomics. Differences from the reference are rounding only:
/// GRPO multiplies by <c>1/(std + ε)</c> instead of dividing per row, and verl's usual layout (equal, consecutive
/// groups; see <see cref="GroupLayout"/>) centres and scales in float.
/// </summary>
public sealed unsafe class AdvantageCpu : IAdvantageKernels
{
    /// <inheritdoc/>
    public void Grpo(in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Shapes(input, advantages, returns);
        if (input.Cols == 1 && GroupLayout.ContiguousSize(input.Index) is int size and > 0
            && CpuOutcome.Grpo(input, size, advantages, returns, options))
        {
            return;
        }

        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        RunGroups(input, advantages, returns, new GroupRule(RuleKind.Grpo, options));
    }

    /// <inheritdoc/>
    public void GrpoPassK(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            if (index.SizeOf(g) < 2)
            {
                throw AdvantageChecks.PassKGroupTooSmall(index, g);
            }
        }

        RunGroups(input, advantages, returns, new GroupRule(RuleKind.PassK, options));
    }

    /// <inheritdoc/>
    public void Rloo(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        RunGroups(input, advantages, returns, new GroupRule(RuleKind.Rloo, AdvantageOptions.Default));
    }

    /// <inheritdoc/>
    public void Opo(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        RunGroups(input, advantages, returns, new GroupRule(RuleKind.Opo, AdvantageOptions.Default));
    }

    /// <inheritdoc/>
    public void Gpg(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        RunGroups(input, advantages, returns, new GroupRule(RuleKind.Gpg, AdvantageOptions.Default));
    }

    /// <inheritdoc/>
    public void ReinforcePlusPlus(in AdvantageInput input, Span<float> advantages, Span<float> returns, float gamma)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        int rows = input.Rows, cols = input.Cols;
        fixed (float* r = input.TokenLevelRewards, m = input.ResponseMask, ret = returns)
        {
            var (pr, pm, pret) = ((nint)r, (nint)m, (nint)ret);
            CpuChunks.For(rows, (long)rows * cols, (_, start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    CpuChunks.DiscountedReturn((float*)pr + (long)i * cols, (float*)pm + (long)i * cols,
                        (float*)pret + (long)i * cols, cols, gamma);
                }
            });
        }

        CpuChunks.Whiten(returns, input.ResponseMask, advantages);
    }

    /// <inheritdoc/>
    public void ReinforcePlusPlusBaseline(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        RunGroups(input, advantages, returns, new GroupRule(RuleKind.Centre, AdvantageOptions.Default));
        CpuChunks.Whiten(returns, input.ResponseMask, advantages);
        advantages.CopyTo(returns);
    }

    /// <inheritdoc/>
    public void Remax(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: true);
        int rows = input.Rows, cols = input.Cols;
        fixed (float* r = input.TokenLevelRewards, m = input.ResponseMask, b = input.RewardBaselines)
        fixed (float* adv = advantages, ret = returns)
        {
            var (pr, pm, pb, pa, pret) = ((nint)r, (nint)m, (nint)b, (nint)adv, (nint)ret);
            CpuChunks.For(rows, (long)rows * cols, (_, start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    long o = (long)i * cols;
                    CpuChunks.ReverseCumSum((float*)pr + o, (float*)pm + o, ((float*)pb)[i],
                        (float*)pa + o, (float*)pret + o, cols);
                }
            });
        }
    }

    /// <inheritdoc/>
    public void Trl(ReadOnlySpan<float> rewards, GroupIndex index, TrlScaleRewards scale, Span<float> advantages)
    {
        AdvantageChecks.Trl(rewards, index, advantages);
        double batchStd = rewards.Length == 1 ? 0 : CpuChunks.Std(rewards);
        int groups = index.GroupCount;
        fixed (float* r = rewards, adv = advantages)
        fixed (int* off = index.Offsets, mem = index.Members)
        {
            var (pr, pa, po, pmem) = ((nint)r, (nint)adv, (nint)off, (nint)mem);
            CpuChunks.For(groups, rewards.Length, (_, g0, g1) =>
            {
                float* s = (float*)pr;
                for (int g = g0; g < g1; g++)
                {
                    int* rows = (int*)pmem + ((int*)po)[g];
                    int n = ((int*)po)[g + 1] - ((int*)po)[g];
                    (double mean, double groupStd) = n == 1 ? (s[rows[0]], 0.0) : GroupRule.MeanStd(s, rows, n);
                    double std = scale == TrlScaleRewards.Batch ? batchStd : groupStd;
                    for (int j = 0; j < n; j++)
                    {
                        double centred = s[rows[j]] - mean;
                        ((float*)pa)[rows[j]] = (float)(scale == TrlScaleRewards.None
                            ? centred
                            : centred / (std + AdvantageChecks.TrlEpsilon));
                    }
                }
            });
        }
    }

    /// <summary>Scores (and lengths for opo) → per-group rule → member rows written to both outputs.</summary>
    private static void RunGroups(in AdvantageInput input, Span<float> advantages, Span<float> returns, GroupRule rule)
    {
        int rows = input.Rows, cols = input.Cols;
        long elements = (long)rows * cols;
        float[]? scoreBuffer = cols == 1 ? null : ArrayPool<float>.Shared.Rent(rows);
        float[]? lengthBuffer = rule.Kind == RuleKind.Opo && cols != 1 ? ArrayPool<float>.Shared.Rent(rows) : null;
        try
        {
            var scores = scoreBuffer is null ? input.TokenLevelRewards : CpuChunks.RowSums(
                input.TokenLevelRewards, rows, cols, scoreBuffer.AsSpan(0, rows));
            var lengths = lengthBuffer is null ? input.ResponseMask : CpuChunks.RowSums(
                input.ResponseMask, rows, cols, lengthBuffer.AsSpan(0, rows));
            if (rule.Kind == RuleKind.Gpg)
            {
                // α = B / max(1, count_nonzero(scores)) over the whole batch.
                rule = rule with { Alpha = (double)rows / Math.Max(1, rows - CpuChunks.CountZeros(scores)) };
            }

            if (rule.Kind == RuleKind.Opo)
            {
                CheckOpoLengths(input.Index, lengths);
            }

            fixed (float* s = scores, len = lengths, m = input.ResponseMask, adv = advantages, ret = returns)
            fixed (int* off = input.Index.Offsets, mem = input.Index.Members)
            {
                var job = new GroupJob(s, len, m, adv, ret, off, mem, cols, rule);
                int size = rule.Kind == RuleKind.Grpo ? GroupLayout.ContiguousSize(input.Index) : 0;
                CpuChunks.For(input.Index.GroupCount, elements, size > 0
                    ? (_, g0, g1) => job.GrpoContiguous(g0, g1, size)
                    : job.Run);
            }
        }
        finally
        {
            if (scoreBuffer is not null)
            {
                ArrayPool<float>.Shared.Return(scoreBuffer);
            }

            if (lengthBuffer is not null)
            {
                ArrayPool<float>.Shared.Return(lengthBuffer);
            }
        }
    }

    /// <summary>A group of two or more whose lengths sum to 0 has no baseline (verl would divide 0 by 0).</summary>
    private static void CheckOpoLengths(GroupIndex index, ReadOnlySpan<float> lengths)
    {
        for (int g = 0; g < index.GroupCount; g++)
        {
            double total = 0;
            foreach (int i in index.RowsOf(g))
            {
                total += lengths[i];
            }

            if (index.SizeOf(g) > 1 && total == 0)
            {
                throw AdvantageChecks.ZeroLengthGroup(index, g);
            }
        }
    }
}
