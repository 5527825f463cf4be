namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// The normalisers of verl v0.6.0 <c>agg_loss</c>, shared by every backend so they agree to the bit. Input: per-row
/// Σ m·x and Σ m (double); output: the loss and the per-row factor s_i with d loss / d x[i,t] = s_i · m[i,t].
/// seq-mean-token-sum-norm divides by <c>loss_scale_factor</c>, default cols (<c>loss_mask.shape[-1]</c>).
/// A row is "non-empty" when Σ m &gt; 0 (verl's <c>seq_mask</c>); empty rows count in no seq-mean denominator.
/// The arithmetic lives in <see cref="Finish{TRows}"/>, over a struct accessor, so the ILGPU kernels run the same
/// code on the device (no spans, no throw).
/// </summary>
internal static class AggMath
{
    /// <summary>verl's epsilon in <c>masked_mean</c> and in the per-row token count.</summary>
    public const double Eps = 1e-8;

    /// <summary>The loss of the row sums; <paramref name="rowScale"/> receives s_i.</summary>
    public static double Finish(
        AggMode mode, double[] rowLoss, double[] rowMask, double sumNormDivisor, double[] rowScale)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode));
        }

        return Finish(mode, new ArrayRows(rowLoss, rowMask, rowScale), sumNormDivisor);
    }

    /// <summary>
    /// The loss of <paramref name="rows"/>' sums, in row order, writing each s_i (device-callable: the ILGPU finish
    /// kernel passes views). An undefined <paramref name="mode"/> is read as seq-mean-token-sum-norm; the host
    /// overload rejects it first.
    /// </summary>
    public static double Finish<TRows>(AggMode mode, TRows rows, double sumNormDivisor)
        where TRows : struct, IRowSums
    {
        int count = rows.Count;
        double loss = 0;
        if (mode == AggMode.TokenMean)
        {
            double num = 0, den = 0;
            for (int i = 0; i < count; i++)
            {
                num += rows.Loss(i);
                den += rows.Mask(i);
            }

            double s = 1.0 / (den + Eps);
            for (int i = 0; i < count; i++)
            {
                rows.SetScale(i, s);
            }

            return num * s;
        }

        if (mode == AggMode.SeqMeanTokenSum || mode == AggMode.SeqMeanTokenMean)
        {
            int nonEmpty = 0;
            for (int i = 0; i < count; i++)
            {
                nonEmpty += rows.Mask(i) > 0 ? 1 : 0;
            }

            double seqDen = nonEmpty + Eps;
            for (int i = 0; i < count; i++)
            {
                double mask = rows.Mask(i);
                double tokenDen = mode == AggMode.SeqMeanTokenMean ? mask + Eps : 1.0;
                rows.SetScale(i, mask > 0 ? 1.0 / (tokenDen * seqDen) : 0.0);
                loss += mask > 0 ? rows.Loss(i) / tokenDen : 0.0;
            }

            return loss / seqDen;
        }

        for (int i = 0; i < count; i++)
        {
            loss += rows.Loss(i);
            rows.SetScale(i, 1.0 / sumNormDivisor);
        }

        return loss / sumNormDivisor;
    }

    /// <summary>Per-row Σ m·x and Σ m in, s_i out: host arrays or device views.</summary>
    internal interface IRowSums
    {
        /// <summary>Rows.</summary>
        int Count { get; }

        /// <summary>Σ_t m·x of row i.</summary>
        double Loss(int i);

        /// <summary>Σ_t m of row i.</summary>
        double Mask(int i);

        /// <summary>Stores s_i.</summary>
        void SetScale(int i, double scale);
    }

    /// <summary>The host's row sums.</summary>
    private readonly record struct ArrayRows(double[] RowLoss, double[] RowMask, double[] RowScale) : IRowSums
    {
        public int Count => RowLoss.Length;

        public double Loss(int i) => RowLoss[i];

        public double Mask(int i) => RowMask[i];

        public void SetScale(int i, double scale) => RowScale[i] = scale;
    }
}
