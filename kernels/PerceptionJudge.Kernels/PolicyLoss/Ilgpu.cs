using ILGPU;
using ILGPU.Runtime;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using static PerceptionJudge.Kernels.PolicyLoss.PolicyLossIlgpuCov;
using static PerceptionJudge.Kernels.PolicyLoss.PolicyLossIlgpuDevice;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Every verl v0.6.0 policy loss (<see cref="PolicyLossMode"/>; formulas in <see cref="PolicyLossReference"/> and
/// <see cref="CovLosses"/>) with d pg_loss / d log_prob as ILGPU kernels on an <see cref="IlgpuContext"/>:
/// one thread per token (<see cref="PolicyLossIlgpuDevice.Tokens"/>, the reference's own scalar functions), the
/// metrics per row in double added in row order, and the aggregation by <see cref="LossAggIlgpu"/>'s kernels, whose
/// gradient step multiplies in d pg / d log_prob (the reference's chain rule, same float products). gspo first runs
/// one thread per row for its sequence ratio; geo_mean one thread per row for the whole row (its loss is a row mean,
/// not an agg_loss). kl_cov selects its top-k covariances on the device (<see cref="PolicyLossIlgpuCov"/>, ties to
/// the lower index); clip_cov tests its candidates on the device, draws on the host (<see cref="CovLosses.Draw"/>,
/// the seeded .NET generator: drawing indices is not math) and drops on the device. The per-row sums have one fixed
/// order, so a rerun repeats the bits. Inputs are checked by <see cref="PolicyLoss.Validate"/> first.
/// </summary>
public sealed class PolicyLossIlgpu : IPolicyLossKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public PolicyLossIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The loss modes this backend runs as ILGPU kernels (every verl mode).</summary>
    public static IReadOnlyList<string> Ported => PolicyLossVulkan.Ported;

    /// <inheritdoc />
    public PolicyLossResult Compute(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        int rows = input.Rows, cols = input.Cols, n = rows * cols;
        lock (context.Gate)
        {
            var a = Arguments(context, mode, input, gradLogProb.IsEmpty ? 0 : 1, options);
            switch (mode)
            {
                case PolicyLossMode.GeoMean:
                    context.Kernel<TokenArgs>(GeoRows)(rows, a);
                    break;
                case PolicyLossMode.KlCov:
                    SelectTopCovariance(context, a, input, options.KlCovRatio);
                    context.Kernel<TokenArgs>(Tokens)(n, a);
                    break;
                case PolicyLossMode.ClipCov:
                    context.Kernel<TokenArgs>(Tokens)(n, a);
                    DropClipCov(context, a, input, options);
                    break;
                default:
                    if (mode == PolicyLossMode.Gspo)
                    {
                        context.Kernel<TokenArgs>(SeqRatio)(rows, a);
                    }

                    context.Kernel<TokenArgs>(Tokens)(n, a);
                    break;
            }

            if (mode != PolicyLossMode.GeoMean)
            {
                context.Kernel<TokenArgs>(MetricRows)(rows, a);
            }

            context.Kernel<TokenArgs>(MetricFinish)(1, a);
            var sums = new double[Sums];
            context.Download(a.Result, sums);
            double loss = sums[0];
            if (mode == PolicyLossMode.GeoMean)
            {
                context.Download(a.Dpg, gradLogProb);
            }
            else
            {
                bool fixedAgg = mode is PolicyLossMode.Gspo or PolicyLossMode.Sapo;
                var agg = LossAgg.LossAggIlgpu.Run(context, "pl.agg", a.Pg, a.Mask, a.Dpg, rows, cols,
                    fixedAgg ? AggMode.SeqMeanTokenMean : LossAggregation.Parse(options.LossAggMode),
                    fixedAgg ? cols : options.LossScaleFactor ?? cols, gradLogProb.Length);
                var result = new double[1];
                context.Download(agg.Result, result);
                context.Download(agg.Grad, gradLogProb);
                loss = result[0];
            }

            return new((float)loss, PolicyLossMath.MaskedMean(sums[3], sums[1]),
                PolicyLossMath.MaskedMean(sums[2], sums[1]), PolicyLossMath.MaskedMean(sums[4], sums[1]));
        }
    }

    /// <summary>Uploads the inputs and binds the pool's buffers; P0..P2 are the mode's hyper-parameters.</summary>
    private static TokenArgs Arguments(
        IlgpuContext context, PolicyLossMode mode, in PolicyLossInput input, int wantGrad, PolicyLossOptions o)
    {
        int rows = input.Rows, cols = input.Cols, n = rows * cols;
        float lower = (float)(1.0 - o.Low), upper = (float)(1.0 + o.High);
        var (p0, p1, p2) = mode switch
        {
            PolicyLossMode.Vanilla => (lower, upper, o.ClipRatioC),
            PolicyLossMode.Sapo => (o.TauPos, o.TauNeg, 0f),
            PolicyLossMode.GeoMean => (o.Low, o.High, 0f),
            PolicyLossMode.KlCov => (o.PpoKlCoef, 0f, 0f),
            _ => (lower, upper, 0f),
        };
        bool cov = mode is PolicyLossMode.KlCov or PolicyLossMode.ClipCov;
        return new TokenArgs(context.Upload("pl.old", input.OldLogProb), context.Upload("pl.logProb", input.LogProb),
            context.Upload("pl.adv", input.Advantages), context.Upload("pl.mask", input.ResponseMask), rows, cols,
            context.Buffer<float>("pl.pg", n), context.Buffer<float>("pl.dpg", n), context.Buffer<float>("pl.kl", n),
            context.Buffer<float>("pl.clip", n), context.Buffer<float>("pl.lower", n),
            context.Buffer<int>("pl.flags", cov ? n : 0), context.Buffer<float>("pl.rowRatio", rows),
            context.Buffer<float>("pl.rowPass", rows), context.Buffer<double>("pl.rowSums", Sums * rows),
            context.Buffer<double>("pl.result", Sums), (int)mode, p0, p1, p2, wantGrad);
    }

    /// <summary>The cov kernels' arguments over the token arguments' views.</summary>
    private static CovArgs Cov(IlgpuContext context, TokenArgs a, bool weighted, int take, PolicyLossOptions o) =>
        new(a.LogProb, a.Adv, a.Mask, a.Clip, context.Buffer<double>("pl.cov.partial", 3 * a.Rows),
            context.Buffer<float>("pl.cov.means", 2), context.Buffer<int>("pl.cov.state", 2),
            context.Buffer<int>("pl.cov.histogram", 256), context.Buffer<int>("pl.cov.ties", Chunks(a.Mask.Length)),
            a.Flags, a.Cols, weighted ? 1 : 0, 24, take, o.ClipCovLb, o.ClipCovUb);

    /// <summary>
    /// kl_cov: flags the k = max(1, ⌊valid·kl_cov_ratio⌋) valid tokens with the largest covariance (none when no
    /// token is valid). k is counted on the host from the mask, as the reference counts it.
    /// </summary>
    private static void SelectTopCovariance(IlgpuContext context, TokenArgs a, in PolicyLossInput input, double ratio)
    {
        int valid = 0;
        foreach (float m in input.ResponseMask)
        {
            valid += m > 0 ? 1 : 0;
        }

        var c = Cov(context, a, weighted: false, Math.Min(valid, Math.Max(1, (int)(valid * ratio))), new());
        if (valid == 0)
        {
            a.Flags.MemSetToZero();
            return;
        }

        long chunks = Chunks(a.Mask.Length);
        context.Kernel<CovArgs>(CovRows)(a.Rows, c);
        context.Kernel<CovArgs>(CovMeans)(1, c);
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            context.Kernel<CovArgs>(TopKHistogram)(a.Mask.Length, c with { Shift = shift });
            context.Kernel<CovArgs>(TopKPick)(1, c with { Shift = shift });
        }

        context.Kernel<CovArgs>(TopKTies)(chunks, c);
        context.Kernel<CovArgs>(TopKScan)(1, c);
        context.Kernel<CovArgs>(TopKSelect)(chunks, c);
    }

    /// <summary>
    /// clip_cov after the token pass: masked means and the candidate flags on the device; the flags come to the host,
    /// <see cref="CovLosses.Draw"/> picks the dropped tokens, their flags go back, and the drop runs on the device.
    /// </summary>
    private static void DropClipCov(IlgpuContext context, TokenArgs a, in PolicyLossInput input, PolicyLossOptions o)
    {
        var c = Cov(context, a, weighted: true, 0, o);
        context.Kernel<CovArgs>(CovRows)(a.Rows, c);
        context.Kernel<CovArgs>(CovMeans)(1, c);
        context.Kernel<CovArgs>(ClipCandidates)(a.Mask.Length, c);
        var flags = new int[a.Mask.Length];
        context.Download(a.Flags, flags);
        var candidates = new List<int>();
        for (int k = 0; k < flags.Length; k++)
        {
            if (flags[k] != 0)
            {
                candidates.Add(k);
            }
        }

        int take = CovLosses.Draw(candidates, PolicyLossMath.MaskSum(input.ResponseMask), o);
        Array.Clear(flags);
        for (int j = 0; j < take; j++)
        {
            flags[candidates[j]] = 1;
        }

        a.Flags.CopyFromCPU(flags);
        context.Kernel<TokenArgs>(Drop)(a.Mask.Length, a);
    }

    private static long Chunks(long n) => (n + Chunk - 1) / Chunk;
}
