using ILGPU;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using static PerceptionJudge.Kernels.Advantage.AdvantageIlgpuDevice;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Every advantage estimator as ILGPU kernels (<see cref="AdvantageIlgpuDevice"/>) on an <see cref="IlgpuContext"/>:
/// per-row scores, then one thread per group over the <see cref="GroupIndex"/> CSR layout (grpo, grpo_passk, rloo,
/// opo, gpg, the reinforce++ baseline, TRL), then one thread per element to broadcast <c>a_i · m</c>; remax and
/// reinforce++ run one thread per row, whitening as per-row partials summed in row order. The statistics are the
/// reference's, in double and in its order. Inputs are checked on the host first, with the other backends' errors;
/// buffers come from the context's pool and the only copies are the inputs in and the outputs out.
/// </summary>
public sealed class AdvantageIlgpu : IAdvantageKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public AdvantageIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The estimators this backend runs as ILGPU kernels (every one; TRL's scale_rewards too).</summary>
    public static IReadOnlyList<string> Ported { get; } =
    [
        "grpo", "grpo_passk", "rloo", "opo", "gpg", "remax", "reinforce_plus_plus", "reinforce_plus_plus_baseline",
        "trl",
    ];

    private IlgpuContext Context => _context ?? IlgpuRuntime.Shared;

    /// <inheritdoc/>
    public void Grpo(in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        Grouped(input, advantages, returns, AdvantageIlgpuDevice.Grpo, options);
    }

    /// <inheritdoc/>
    public void GrpoPassK(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        for (int g = 0; g < input.Index.GroupCount; g++)
        {
            if (input.Index.SizeOf(g) < 2)
            {
                throw AdvantageChecks.PassKGroupTooSmall(input.Index, g);
            }
        }

        Grouped(input, advantages, returns, PassK, options);
    }

    /// <inheritdoc/>
    public void Rloo(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        Grouped(input, advantages, returns, AdvantageIlgpuDevice.Rloo, AdvantageOptions.Default);
    }

    /// <inheritdoc/>
    public void Opo(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            double total = 0;
            foreach (int i in index.RowsOf(g))
            {
                total += MaskSum(input.ResponseMask.Slice(i * input.Cols, input.Cols));
            }

            if (index.SizeOf(g) > 1 && total == 0)
            {
                throw AdvantageChecks.ZeroLengthGroup(index, g);
            }
        }

        Grouped(input, advantages, returns, AdvantageIlgpuDevice.Opo, AdvantageOptions.Default);
    }

    /// <inheritdoc/>
    public void Gpg(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        Grouped(input, advantages, returns, AdvantageIlgpuDevice.Gpg, AdvantageOptions.Default);
    }

    /// <inheritdoc/>
    public void ReinforcePlusPlusBaseline(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        Grouped(input, advantages, returns, Centre, AdvantageOptions.Default, whiten: true);
    }

    /// <inheritdoc/>
    public void ReinforcePlusPlus(in AdvantageInput input, Span<float> advantages, Span<float> returns, float gamma)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        double maskSum = MaskSum(input.ResponseMask);
        AdvantageChecks.MaskSum(maskSum);
        var context = Context;
        lock (context.Gate)
        {
            var (rewards, mask) = UploadMatrices(context, input);
            var ret = context.Buffer<float>("adv.returns", returns.Length);
            var x = new ElementArgs(rewards, mask, input.Cols, default, default, ret, gamma);
            context.Kernel<ElementArgs>(RppReturns)(input.Rows, x);
            var adv = Whiten(context, ret, mask, input, maskSum, copyToReturns: false);
            context.Download(adv, advantages);
            context.Download(ret, returns);
        }
    }

    /// <inheritdoc/>
    public void Remax(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: true);
        var context = Context;
        lock (context.Gate)
        {
            var (rewards, mask) = UploadMatrices(context, input);
            var baselines = context.Upload("adv.baselines", input.RewardBaselines);
            var adv = context.Buffer<float>("adv.advantages", advantages.Length);
            var ret = context.Buffer<float>("adv.returns", returns.Length);
            context.Kernel<ElementArgs>(AdvantageIlgpuDevice.Remax)(
                input.Rows, new ElementArgs(rewards, mask, input.Cols, baselines, adv, ret, 0));
            context.Download(adv, advantages);
            context.Download(ret, returns);
        }
    }

    /// <inheritdoc/>
    public void Trl(ReadOnlySpan<float> rewards, GroupIndex index, TrlScaleRewards scale, Span<float> advantages)
    {
        AdvantageChecks.Trl(rewards, index, advantages);
        var context = Context;
        lock (context.Gate)
        {
            var (offsets, members) = UploadIndex(context, index);
            var args = new GroupArgs(offsets, members, context.Upload("adv.scores", rewards), default,
                context.Buffer<double>("adv.alpha", 1), (int)scale, 1, AdvantageChecks.TrlEpsilon,
                context.Buffer<float>("adv.perRow", rewards.Length));
            if (scale == TrlScaleRewards.Batch)
            {
                context.Kernel<GroupArgs>(TrlBatchStd)(1, args);
            }

            context.Kernel<GroupArgs>(AdvantageIlgpuDevice.Trl)(index.GroupCount, args);
            context.Download(args.PerRow, advantages);
        }
    }

    /// <summary>
    /// Checked input: scores, the group rule, then the broadcast (or, for the reinforce++ baseline, masked whitening of the
    /// broadcast into advantages = returns).
    /// </summary>
    private void Grouped(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, int rule, AdvantageOptions options,
        bool whiten = false)
    {
        double maskSum = whiten ? MaskSum(input.ResponseMask) : 0;
        if (whiten)
        {
            AdvantageChecks.MaskSum(maskSum);
        }

        var context = Context;
        lock (context.Gate)
        {
            var (rewards, mask) = UploadMatrices(context, input);
            var (offsets, members) = UploadIndex(context, input.Index);
            var rows = new RowArgs(rewards, mask, input.Cols, context.Buffer<float>("adv.scores", input.Rows),
                context.Buffer<double>("adv.lengths", input.Rows), context.Buffer<double>("adv.alpha", 1));
            context.Kernel<RowArgs>(Scores)(input.Rows, rows);
            if (rule == AdvantageIlgpuDevice.Gpg)
            {
                context.Kernel<RowArgs>(GpgAlpha)(1, rows);
            }

            var perRow = context.Buffer<float>("adv.perRow", input.Rows);
            context.Kernel<GroupArgs>(Group)(input.Index.GroupCount, new GroupArgs(offsets, members, rows.Scores,
                rows.Lengths, rows.Alpha, rule, options.NormAdvByStd ? 1 : 0, options.Epsilon, perRow));
            var adv = context.Buffer<float>("adv.advantages", advantages.Length);
            var ret = context.Buffer<float>("adv.returns", returns.Length);
            context.Kernel<ElementArgs>(Broadcast)(
                advantages.Length, new ElementArgs(rewards, mask, input.Cols, perRow, whiten ? ret : adv, ret, 0));
            if (whiten)
            {
                adv = Whiten(context, ret, mask, input, maskSum, copyToReturns: true);
            }

            context.Download(adv, advantages);
            context.Download(ret, returns);
        }
    }

    /// <summary>verl <c>masked_whiten(x, m) · m</c> of <paramref name="x"/> into the advantages slot (and into
    /// <paramref name="x"/> itself when <paramref name="copyToReturns"/>, x being the returns slot).</summary>
    private static ArrayView<float> Whiten(
        IlgpuContext context, ArrayView<float> x, ArrayView<float> mask, in AdvantageInput input, double maskSum,
        bool copyToReturns)
    {
        var y = context.Buffer<float>("adv.advantages", x.Length);
        var args = new WhitenArgs(x, mask, input.Cols, context.Buffer<double>("adv.partial", input.Rows),
            context.Buffer<double>("adv.stats", 2), maskSum, 0, y, x, copyToReturns ? 1 : 0);
        var rowsKernel = context.Kernel<WhitenArgs>(WhitenRows);
        var stats = context.Kernel<WhitenArgs>(WhitenStats);
        rowsKernel(input.Rows, args);
        stats(1, args);
        rowsKernel(input.Rows, args with { SecondPass = 1 });
        stats(1, args with { SecondPass = 1 });
        context.Kernel<WhitenArgs>(WhitenApply)(x.Length, args);
        return y;
    }

    private static (ArrayView<float> Rewards, ArrayView<float> Mask) UploadMatrices(
        IlgpuContext context, in AdvantageInput input) =>
        (context.Upload("adv.rewards", input.TokenLevelRewards), context.Upload("adv.mask", input.ResponseMask));

    private static (ArrayView<int> Offsets, ArrayView<int> Members) UploadIndex(IlgpuContext context, GroupIndex index) =>
        (context.Upload("adv.offsets", index.Offsets), context.Upload("adv.members", index.Members));

    /// <summary>Σ m in double, in order (verl's <c>masked_whiten</c> n, opo's lengths).</summary>
    private static double MaskSum(ReadOnlySpan<float> mask)
    {
        double n = 0;
        foreach (float m in mask)
        {
            n += m;
        }

        return n;
    }
}
