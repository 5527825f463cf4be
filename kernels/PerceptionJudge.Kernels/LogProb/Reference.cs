using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// The specification: plain scalar code in double, three passes per row (max, Σ e^{z−m}, Σ e^{z−m}·z).
/// Source: verl v0.6.0 <c>verl/utils/torch_functional.py</c>:
/// <c>entropy_from_logits</c>: <c>H = logsumexp(z) − Σ softmax(z)·z</c>;
/// <c>logprobs_from_logits</c>: <c>log_softmax(z)[label] = z[label] − logsumexp(z)</c>; with <c>z = logits / T</c>
/// as in verl's <c>dp_actor</c> (<c>logits.div_(temperature)</c>).
/// Evaluated relative to the row max m (<c>H = log S − Σ e^{z−m}(z−m)/S</c>, <c>S = Σ e^{z−m}</c>), which is the
/// same number without the cancellation of two large terms; H is clamped at 0 to drop rounding below zero.
/// </summary>
public sealed class LogProbReference : ILogProbKernels
{
    /// <inheritdoc />
    public void Forward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        Span<float> entropy,
        Span<float> logProb)
    {
        LogProbChecks.Forward(logits, labels, tokens, vocab, temperature, entropy, logProb);
        Guard.Finite(logits, "logits", vocab);
        for (int t = 0; t < tokens; t++)
        {
            var row = logits.Slice(t * vocab, vocab);
            var (m, logS, meanRel) = Stats(row, temperature);
            if (entropy.Length > 0)
            {
                entropy[t] = (float)Math.Max(0.0, logS - meanRel);
            }

            if (logProb.Length > 0)
            {
                logProb[t] = (float)(row[labels[t]] / (double)temperature - m - logS);
            }
        }
    }

    /// <inheritdoc />
    public void Backward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits)
    {
        LogProbChecks.Backward(logits, labels, tokens, vocab, temperature, gradEntropy, gradLogProb, gradLogits);
        Guard.Finite(logits, "logits", vocab);
        double temp = temperature;
        for (int t = 0; t < tokens; t++)
        {
            var row = logits.Slice(t * vocab, vocab);
            var grad = gradLogits.Slice(t * vocab, vocab);
            var (m, logS, meanRel) = Stats(row, temperature);
            double mean = m + meanRel;
            double gH = gradEntropy.Length > 0 ? gradEntropy[t] : 0.0;
            double gL = gradLogProb.Length > 0 ? gradLogProb[t] : 0.0;
            int label = gradLogProb.Length > 0 ? labels[t] : -1;
            for (int v = 0; v < vocab; v++)
            {
                double z = row[v] / temp;
                double p = Math.Exp(z - m - logS);
                double dH = -p * (z - mean);
                double dL = (v == label ? 1.0 : 0.0) - p;
                grad[v] = (float)((gH * dH + gL * dL) / temp);
            }
        }
    }

    /// <summary>Row max m of z, log S and Σ p·(z − m), all in double.</summary>
    private static (double Max, double LogSum, double MeanRel) Stats(ReadOnlySpan<float> row, double temperature)
    {
        double m = double.NegativeInfinity;
        foreach (float x in row)
        {
            m = Math.Max(m, x / temperature);
        }

        double s = 0.0;
        double w = 0.0;
        foreach (float x in row)
        {
            double d = x / temperature - m;
            double e = Math.Exp(d);
            s += e;
            w += e * d;
        }

        return (m, Math.Log(s), w / s);
    }
}
