using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Tests.LossAgg;

namespace PerceptionJudge.Kernels.Tests.PolicyLoss;

/// <summary>
/// Independent double-precision statements of the verl policy losses as functions of log_prob, for values and
/// central differences. Stop-gradients are modelled by evaluating the detached quantity at <c>lpBase</c> (the
/// unperturbed log_prob), so d/d lp at lp = lpBase is exactly what autograd computes.
/// </summary>
internal static class LossOracle
{
    public static double Loss(
        string mode, double[] old, double[] lpBase, double[] lp, double[] adv, double[] m, int rows, int cols,
        PolicyLossOptions o, ISet<int>? klCovSelected = null)
    {
        int n = rows * cols;
        var pg = new double[n];
        double lo = 1 - (double)o.Low, hi = 1 + (double)o.High;
        string agg = o.LossAggMode;
        switch (mode)
        {
            case "vanilla":
                for (int k = 0; k < n; k++)
                {
                    double r = Math.Exp(Math.Clamp(lp[k] - old[k], -20, 20));
                    double c1 = Math.Max(-adv[k] * r, -adv[k] * Math.Clamp(r, lo, hi));
                    pg[k] = adv[k] < 0 ? Math.Min(-adv[k] * o.ClipRatioC, c1) : c1;
                }

                break;
            case "gspo":
                agg = "seq-mean-token-mean";
                for (int i = 0; i < rows; i++)
                {
                    double sum = 0, len = 0;
                    for (int t = 0; t < cols; t++)
                    {
                        sum += (lpBase[i * cols + t] - old[i * cols + t]) * m[i * cols + t];
                        len += m[i * cols + t];
                    }

                    for (int t = 0; t < cols; t++)
                    {
                        int k = i * cols + t;
                        double s = Math.Exp(Math.Min(sum / Math.Max(len, 1) + lp[k] - lpBase[k], 10));
                        pg[k] = Math.Max(-adv[k] * s, -adv[k] * Math.Clamp(s, lo, hi));
                    }
                }

                break;
            case "gpg":
                for (int k = 0; k < n; k++)
                {
                    pg[k] = -lp[k] * adv[k];
                }

                break;
            case "cispo":
                for (int k = 0; k < n; k++)
                {
                    double rBase = Math.Exp(Math.Clamp(lpBase[k] - old[k], -20, 20));
                    pg[k] = -Math.Clamp(rBase, lo, hi) * adv[k] * lp[k];
                }

                break;
            case "sapo":
                agg = "seq-mean-token-mean";
                for (int k = 0; k < n; k++)
                {
                    double r = Math.Exp(Math.Clamp(lp[k] - old[k], -20, 20));
                    double tau = adv[k] > 0 ? o.TauPos : o.TauNeg;
                    pg[k] = -(4 / tau) / (1 + Math.Exp(-tau * (r - 1))) * adv[k];
                }

                break;
            case "kl_cov":
                for (int k = 0; k < n; k++)
                {
                    double d = lp[k] - old[k];
                    pg[k] = -adv[k] * Math.Exp(d) + (klCovSelected!.Contains(k) ? o.PpoKlCoef * Math.Abs(d) : 0);
                }

                break;
            case "clip_cov":
                for (int k = 0; k < n; k++)
                {
                    double r = Math.Exp(lp[k] - old[k]);
                    pg[k] = Math.Max(-adv[k] * r, -adv[k] * Math.Clamp(r, lo, hi));
                }

                break;
            case "geo_mean":
                return GeoMean(old, lp, adv, m, rows, cols, o);
            default:
                throw new ArgumentException(mode);
        }

        return AggOracle.Aggregate(agg, pg, m, rows, cols);
    }

    private static double GeoMean(
        double[] old, double[] lp, double[] adv, double[] m, int rows, int cols, PolicyLossOptions o)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            double q = 0, a = 0, len = 0;
            for (int t = 0; t < cols; t++)
            {
                int k = i * cols + t;
                double d = lp[k] - old[k], sgn = Math.Sign(adv[k]);
                q += sgn * Math.Min(sgn * d, sgn * Math.Clamp(d, -(double)o.Low, o.High)) * m[k];
                a += adv[k] * m[k];
                len += m[k];
            }

            total += -(a / (len + 1e-8)) * Math.Exp(q / (len + 1e-8));
        }

        return total / rows;
    }
}
