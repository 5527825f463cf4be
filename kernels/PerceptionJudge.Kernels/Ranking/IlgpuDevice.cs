using ILGPU;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// The ILGPU kernels behind <see cref="RankingIlgpu"/>, the formulas of <see cref="RankingReference"/>: pair counts
/// are exact integers (one thread per element counting its later partners, then one thread per row or one thread
/// adding them), and every double sum runs on one thread in the reference's order, so the results are the
/// reference's bits.
/// </summary>
internal static class RankingIlgpuDevice
{
    /// <summary>One thread per (row, r): the partners s &gt; r whose places are ordered one way in predicted and the
    /// other in truth (truth is the identity when <c>IdentityTruth</c>); 0 past the row's n.</summary>
    public static void Discordant(Index1D e, PairArgs a)
    {
        int row = e / a.Stride, r = e - row * a.Stride, n = a.Count[row], at = row * a.Stride, count = 0;
        for (int s = r + 1; s < n; s++)
        {
            long dt = a.IdentityTruth != 0 ? r - s : a.Truth[at + r] - a.Truth[at + s];
            count += (a.Predicted[at + r] - a.Predicted[at + s]) * dt < 0 ? 1 : 0;
        }

        a.Partners[e] = count;
    }

    /// <summary>One thread per row: D = Σ_r partners, and the reward <c>1 − D / C(n,2)</c> (0 for a row of n &lt; 2:
    /// the judge's output did not parse).</summary>
    public static void DiscordantRows(Index1D row, PairArgs a)
    {
        long d = 0;
        for (int r = 0; r < a.Stride; r++)
        {
            d += a.Partners[row * a.Stride + r];
        }

        long n = a.Count[row];
        a.Total[row] = d;
        a.Rewards[row] = n < 2 ? 0f : (float)(1.0 - (double)d / (n * (n - 1) / 2));
    }

    /// <summary>One thread per i: Kendall's concordant, discordant, x-tied and y-tied pairs (i, j &gt; i), signs by
    /// comparison (the reference's <c>Math.Sign(x_i − x_j)</c> on finite values).</summary>
    public static void KendallPairs(Index1D i, MetricArgs a)
    {
        int c = 0, d = 0, tx = 0, ty = 0;
        for (int j = i + 1; j < a.X.IntLength; j++)
        {
            int sx = Sign(a.X[i], a.X[j]), sy = Sign(a.Y[i], a.Y[j]);
            c += sx * sy > 0 ? 1 : 0;
            d += sx * sy < 0 ? 1 : 0;
            tx += sx == 0 ? 1 : 0;
            ty += sy == 0 ? 1 : 0;
        }

        a.Counts[4 * i] = c;
        a.Counts[4 * i + 1] = d;
        a.Counts[4 * i + 2] = tx;
        a.Counts[4 * i + 3] = ty;
    }

    /// <summary>One thread: Kendall's four counts added in 64-bit into <c>Sums</c>.</summary>
    public static void KendallSum(Index1D unused, MetricArgs a)
    {
        for (int q = 0; q < 4; q++)
        {
            long sum = 0;
            for (int i = 0; i < a.X.IntLength; i++)
            {
                sum += a.Counts[4 * i + q];
            }

            a.Sums[q] = sum;
        }
    }

    /// <summary>One thread per i: the average ranks of x_i and y_i,
    /// <c>1 + #{v_j &lt; v_i} + (#{v_j = v_i} − 1)/2</c>.</summary>
    public static void AverageRanks(Index1D i, MetricArgs a)
    {
        int lessX = 0, equalX = 0, lessY = 0, equalY = 0;
        for (int j = 0; j < a.X.IntLength; j++)
        {
            lessX += a.X[j] < a.X[i] ? 1 : 0;
            equalX += a.X[j] == a.X[i] ? 1 : 0;
            lessY += a.Y[j] < a.Y[i] ? 1 : 0;
            equalY += a.Y[j] == a.Y[i] ? 1 : 0;
        }

        a.RankX[i] = 1 + lessX + (equalX - 1) / 2.0;
        a.RankY[i] = 1 + lessY + (equalY - 1) / 2.0;
    }

    /// <summary>One thread: the Pearson correlation of the ranks, the reference's two passes in its order, into
    /// <c>Out[0]</c>.</summary>
    public static void Pearson(Index1D unused, MetricArgs a)
    {
        int n = a.RankX.IntLength;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++)
        {
            ma += a.RankX[i];
            mb += a.RankY[i];
        }

        ma /= n;
        mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++)
        {
            sab += (a.RankX[i] - ma) * (a.RankY[i] - mb);
            saa += (a.RankX[i] - ma) * (a.RankX[i] - ma);
            sbb += (a.RankY[i] - mb) * (a.RankY[i] - mb);
        }

        a.Out[0] = sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>One thread per i: places rel_i (x) in the ideal, descending order:
    /// <c>#{j : rel_j &gt; rel_i} + #{j &lt; i : rel_j = rel_i}</c>.</summary>
    public static void IdealPlace(Index1D i, MetricArgs a)
    {
        int place = 0;
        for (int j = 0; j < a.X.IntLength; j++)
        {
            place += a.X[j] > a.X[i] || (j < i && a.X[j] == a.X[i]) ? 1 : 0;
        }

        a.RankX[place] = a.X[i];
    }

    /// <summary>One thread: DCG@k over the given order and over the ideal order (discount 1 / log2(i + 2)), in
    /// order; <c>Out[0]</c> = DCG / IDCG, 0 when IDCG is 0.</summary>
    public static void NdcgSum(Index1D unused, MetricArgs a)
    {
        double dcg = 0, idcg = 0;
        for (int i = 0; i < a.Top; i++)
        {
            double discount = 1.0 / Math.Log2(i + 2);
            dcg += a.X[i] * discount;
            idcg += a.RankX[i] * discount;
        }

        a.Out[0] = idcg == 0 ? 0 : dcg / idcg;
    }

    /// <summary>
    /// One thread: the reference's row-by-row DP <c>D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1,
    /// D[i−1][j−1] + [a_i ≠ b_j])</c> over two rows of |b| + 1 in <c>Scratch</c>; the distance into
    /// <c>Distance[0]</c>. Each cell depends on its left neighbour, so one thread walks it (judge outputs are short);
    /// a wavefront would need group barriers.
    /// </summary>
    public static void Levenshtein(Index1D unused, EditArgs a)
    {
        int la = a.A.IntLength, lb = a.B.IntLength, width = lb + 1;
        for (int j = 0; j <= lb; j++)
        {
            a.Scratch[j] = j;
        }

        for (int i = 1; i <= la; i++)
        {
            int prev = ((i - 1) & 1) * width, cur = (i & 1) * width;
            a.Scratch[cur] = i;
            for (int j = 1; j <= lb; j++)
            {
                int sub = a.Scratch[prev + j - 1] + (a.A[i - 1] == a.B[j - 1] ? 0 : 1);
                a.Scratch[cur + j] = Math.Min(Math.Min(a.Scratch[prev + j] + 1, a.Scratch[cur + j - 1] + 1), sub);
            }
        }

        a.Distance[0] = a.Scratch[(la & 1) * width + lb];
    }

    private static int Sign(double p, double q) => p > q ? 1 : p < q ? -1 : 0;

    /// <summary>Rankings of up to <c>Stride</c> places per row (row i's n in <c>Count</c>), per-element partner
    /// counts, per-row D and rewards.</summary>
    public readonly record struct PairArgs(
        ArrayView<int> Predicted, ArrayView<int> Truth, ArrayView<int> Count, int Stride, int IdentityTruth,
        ArrayView<int> Partners, ArrayView<long> Total, ArrayView<float> Rewards);

    /// <summary>Two value vectors, per-element counts and ranks (NDCG: the ideal order in RankX), sums, k, result.
    /// </summary>
    public readonly record struct MetricArgs(
        ArrayView<double> X, ArrayView<double> Y, ArrayView<int> Counts, ArrayView<long> Sums,
        ArrayView<double> RankX, ArrayView<double> RankY, int Top, ArrayView<double> Out);

    /// <summary>Two code-unit strings, two DP rows of scratch and the distance.</summary>
    public readonly record struct EditArgs(
        ArrayView<int> A, ArrayView<int> B, ArrayView<int> Scratch, ArrayView<int> Distance);
}
