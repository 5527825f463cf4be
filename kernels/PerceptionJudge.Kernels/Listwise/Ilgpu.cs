using ILGPU;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Listwise;

/// <summary>
/// The PerPO loss (formula in <see cref="ListwiseReference"/>) as ILGPU kernels on an <see cref="IlgpuContext"/>,
/// in the reference's order and precision: <see cref="CountPairs"/> (one thread per list: its pairs
/// <c>r_i &gt; r_j</c>), <see cref="Offsets"/> (one thread: each list's first pair slot, in list order),
/// <see cref="ListPairs"/> (one thread per list: every ordered pair in the reference's (i, j) order, writing
/// <c>−log σ(u)</c> into its slot and adding <c>β(σ(u) − 1)</c> to its rows' double gradients; a row belongs to one
/// list, so no other thread touches it), <see cref="Total"/> (one thread: Σ of the pair terms in slot order, the
/// reference's single running sum) and <see cref="ScaleGrad"/> (one thread per candidate: <c>(float)(g/P)</c>).
/// Loss and gradient are the reference's bits where the device's <c>exp</c>/<c>log</c> are the host's.
/// </summary>
public sealed class ListwiseIlgpu : IListwiseKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public ListwiseIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The listwise losses this backend runs as ILGPU kernels.</summary>
    public static IReadOnlyList<string> Ported { get; } = ["perpo"];

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
        var context = _context ?? IlgpuRuntime.Shared;
        int n = policyLogp.Length, groups = lists.GroupCount;
        lock (context.Gate)
        {
            var pairs = context.Buffer<long>("perpo.pairs", groups + 1);
            var args = new PairArgs(context.Upload("perpo.offsets", lists.Offsets),
                context.Upload("perpo.members", lists.Members), context.Upload("perpo.logp", policyLogp),
                context.Upload("perpo.ref", refLogp), context.Upload("perpo.rewards", rewards), options.Beta,
                options.Gamma, pairs, context.Buffer<double>("perpo.grad", n), default,
                context.Buffer<double>("perpo.result", 2), gradPolicyLogp.Length > 0 ? context.Buffer<float>(
                    "perpo.gradOut", n) : default);
            context.Kernel<PairArgs>(CountPairs)(groups, args);
            context.Kernel<PairArgs>(Offsets)(1, args);
            long total = PairCount(context, pairs, groups);
            args = args with { Terms = context.Buffer<double>("perpo.terms", total) };
            context.Kernel<PairArgs>(ListPairs)(groups, args);
            context.Kernel<PairArgs>(Total)(1, args);
            context.Kernel<PairArgs>(ScaleGrad)(args.GradOut.Length, args);
            var result = new double[2];
            context.Download(args.Result, result);
            context.Download(args.GradOut, gradPolicyLogp);
            return (float)result[0];
        }
    }

    /// <summary>The number of pairs of all lists (the last slot offset), read back for the term buffer's size.
    /// </summary>
    private static long PairCount(IlgpuContext context, ArrayView<long> pairs, int groups)
    {
        var last = new long[1];
        context.Download(pairs.SubView(groups, 1), last);
        return last[0];
    }

    /// <summary>One thread per list g: <c>Pairs[g] = #{(i, j) in g : r_i &gt; r_j}</c>.</summary>
    internal static void CountPairs(Index1D g, PairArgs a)
    {
        long count = 0;
        for (int x = a.ListOffsets[g]; x < a.ListOffsets[g + 1]; x++)
        {
            for (int y = a.ListOffsets[g]; y < a.ListOffsets[g + 1]; y++)
            {
                count += a.Rewards[a.Members[x]] > a.Rewards[a.Members[y]] ? 1 : 0;
            }
        }

        a.Pairs[g] = count;
    }

    /// <summary>One thread: the counts become each list's first slot (exclusive scan in list order); the last
    /// entry holds the total.</summary>
    internal static void Offsets(Index1D unused, PairArgs a)
    {
        long at = 0;
        int groups = a.ListOffsets.IntLength - 1;
        for (int g = 0; g < groups; g++)
        {
            long count = a.Pairs[g];
            a.Pairs[g] = at;
            at += count;
        }

        a.Pairs[groups] = at;
    }

    /// <summary>
    /// One thread per list g, pairs in the reference's order: <c>u = β(lp_i − ref_i) − β(lp_j − ref_j) −
    /// γ(r_i − r_j)</c>, slot term <c>max(−u, 0) + log(1 + e^{−|u|})</c>, <c>g_i += β·dU</c>, <c>g_j −= β·dU</c>
    /// with <c>dU = −1/(1 + e^u)</c>, in double.
    /// </summary>
    internal static void ListPairs(Index1D g, PairArgs a)
    {
        int start = a.ListOffsets[g], end = a.ListOffsets[g + 1];
        for (int x = start; x < end; x++)
        {
            a.Grad[a.Members[x]] = 0.0;
        }

        double beta = a.Beta, gamma = a.Gamma;
        long slot = a.Pairs[g];
        for (int x = start; x < end; x++)
        {
            int i = a.Members[x];
            for (int y = start; y < end; y++)
            {
                int j = a.Members[y];
                if (!(a.Rewards[i] > a.Rewards[j]))
                {
                    continue;
                }

                double hi = beta * ((double)a.Logp[i] - a.Ref[i]);
                double hj = beta * ((double)a.Logp[j] - a.Ref[j]);
                double u = hi - hj - gamma * ((double)a.Rewards[i] - a.Rewards[j]);
                a.Terms[slot++] = Math.Max(-u, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(u)));
                double dU = -1.0 / (1.0 + Math.Exp(u));
                a.Grad[i] += beta * dU;
                a.Grad[j] -= beta * dU;
            }
        }
    }

    /// <summary>One thread: <c>Result[0] = (Σ terms in slot order)/P</c> (0 with no pair), <c>Result[1] = 1/P</c>.
    /// </summary>
    internal static void Total(Index1D unused, PairArgs a)
    {
        double total = 0.0;
        for (long k = 0; k < a.Terms.Length; k++)
        {
            total += a.Terms[k];
        }

        long pairs = a.Terms.Length;
        double scale = pairs > 0 ? 1.0 / pairs : 0.0;
        a.Result[0] = total * scale;
        a.Result[1] = scale;
    }

    /// <summary>One thread per candidate: <c>grad = (float)(g · (1/P))</c>.</summary>
    internal static void ScaleGrad(Index1D k, PairArgs a) => a.GradOut[k] = (float)(a.Grad[k] * a.Result[1]);

    /// <summary>The lists (CSR offsets and members), the candidates' log-probs, reference log-probs and rewards,
    /// β and γ, the per-list pair slots, the double gradients, the pair terms, (loss, 1/P) and the gradient out.
    /// </summary>
    internal readonly record struct PairArgs(
        ArrayView<int> ListOffsets, ArrayView<int> Members, ArrayView<float> Logp, ArrayView<float> Ref,
        ArrayView<float> Rewards, double Beta, double Gamma, ArrayView<long> Pairs, ArrayView<double> Grad,
        ArrayView<double> Terms, ArrayView<double> Result, ArrayView<float> GradOut);
}
