using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// The normalisers of verl v0.6.0 <c>agg_loss</c>, shared by every backend so they agree to the bit. Input: per-row
/// Σ m·x and Σ m (double); output: the loss and the per-row factor s_i with d loss / d x[i,t] = s_i · m[i,t].
/// seq-mean-token-sum-norm divides by <c>loss_scale_factor</c>, default cols (<c>loss_mask.shape[-1]</c>).
/// A row is "non-empty" when Σ m &gt; 0 (verl's <c>seq_mask</c>); empty rows count in no seq-mean denominator.
/// </summary>
internal static class AggMath
{
    /// <summary>verl's epsilon in <c>masked_mean</c> and in the per-row token count.</summary>
    public const double Eps = 1e-8;

    public static double Finish(
        AggMode mode, ReadOnlySpan<double> rowLoss, ReadOnlySpan<double> rowMask, double sumNormDivisor,
        Span<double> rowScale)
    {
        int rows = rowLoss.Length;
        double loss = 0;
        switch (mode)
        {
            case AggMode.TokenMean:
                {
                    double num = 0, den = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        num += rowLoss[i];
                        den += rowMask[i];
                    }

                    double s = 1.0 / (den + Eps);
                    rowScale.Fill(s);
                    return num * s;
                }

            case AggMode.SeqMeanTokenSum:
            case AggMode.SeqMeanTokenMean:
                {
                    int nonEmpty = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        nonEmpty += rowMask[i] > 0 ? 1 : 0;
                    }

                    double seqDen = nonEmpty + Eps;
                    for (int i = 0; i < rows; i++)
                    {
                        double tokenDen = mode == AggMode.SeqMeanTokenMean ? rowMask[i] + Eps : 1.0;
                        double s = rowMask[i] > 0 ? 1.0 / (tokenDen * seqDen) : 0.0;
                        rowScale[i] = s;
                        loss += rowMask[i] > 0 ? rowLoss[i] / tokenDen : 0.0;
                    }

                    return loss / seqDen;
                }

            case AggMode.SeqMeanTokenSumNorm:
                {
                    for (int i = 0; i < rows; i++)
                    {
                        loss += rowLoss[i];
                    }

                    rowScale.Fill(1.0 / sumNormDivisor);
                    return loss / sumNormDivisor;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(mode));
        }
    }
}
