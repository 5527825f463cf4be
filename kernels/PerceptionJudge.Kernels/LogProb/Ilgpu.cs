using ILGPU;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Entropy, chosen-token log-prob and their backward (verl v0.6.0 <c>entropy_from_logits</c> /
/// <c>logprobs_from_logits</c>, formulas in <see cref="LogProbReference"/>) as ILGPU kernels on an
/// <see cref="IlgpuContext"/>: <see cref="RowStats"/> runs one thread per token row with the reference's three
/// passes in double (max of z, then Σ e^{z−m} and Σ e^{z−m}(z − m)), <see cref="Outputs"/> one thread per token for
/// entropy and log-prob, and <see cref="GradElement"/> one thread per logit for dL/dx. Every operation is the
/// reference's in its order (the reference's bits where the device's <c>exp</c>/<c>log</c> are the host's, as on
/// ILGPU's CPU accelerator). Checks run on the host first with the other backends' errors. The chunked block kernels
/// are <see cref="ChunkedLogProbIlgpu"/>.
/// </summary>
public sealed class LogProbIlgpu : ILogProbKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public LogProbIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The log-prob operations this backend runs as ILGPU kernels (those of Vulkan).</summary>
    public static IReadOnlyList<string> Ported => LogProbVulkan.Ported;

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
        var context = _context ?? IlgpuRuntime.Shared;
        bool wantL = logProb.Length > 0;
        lock (context.Gate)
        {
            var args = Stage(context, logits, wantL ? labels : default, tokens, vocab, temperature);
            var outputs = new OutputArgs(args, context.Buffer<float>("logprob.entropy", entropy.Length),
                context.Buffer<float>("logprob.logprob", logProb.Length));
            context.Kernel<RowArgs>(RowStats)(tokens, args);
            context.Kernel<OutputArgs>(Outputs)(tokens, outputs);
            context.Download(outputs.Entropy, entropy);
            context.Download(outputs.LogProb, logProb);
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
        var context = _context ?? IlgpuRuntime.Shared;
        bool hasL = gradLogProb.Length > 0;
        lock (context.Gate)
        {
            var args = Stage(context, logits, hasL ? labels : default, tokens, vocab, temperature);
            var grad = new GradArgs(args, context.Upload("logprob.gH", gradEntropy),
                context.Upload("logprob.gL", gradLogProb), gradEntropy.Length > 0 ? 1 : 0, hasL ? 1 : 0,
                context.Buffer<float>("logprob.grad", gradLogits.Length));
            context.Kernel<RowArgs>(RowStats)(tokens, args);
            context.Kernel<GradArgs>(GradElement)(gradLogits.Length, grad);
            context.Download(grad.Grad, gradLogits);
        }
    }

    private static RowArgs Stage(
        IlgpuContext context, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int tokens, int vocab,
        float temperature) =>
        new(context.Upload("logprob.x", logits), context.Upload("logprob.labels", labels), vocab, temperature,
            context.Buffer<double>("logprob.max", tokens), context.Buffer<double>("logprob.logS", tokens),
            context.Buffer<double>("logprob.meanRel", tokens));

    /// <summary>
    /// One thread per token row t, in double as the reference's <c>Stats</c>: <c>m = max_v x_v/T</c>, then
    /// <c>S = Σ e^{z−m}</c> and <c>W = Σ e^{z−m}(z − m)</c> in column order; stores m, ln S and W/S.
    /// </summary>
    internal static void RowStats(Index1D t, RowArgs a)
    {
        double temperature = a.Temperature, m = double.NegativeInfinity;
        long row = (long)t.X * a.Vocab;
        for (int v = 0; v < a.Vocab; v++)
        {
            m = Math.Max(m, a.X[row + v] / temperature);
        }

        double s = 0.0, w = 0.0;
        for (int v = 0; v < a.Vocab; v++)
        {
            double d = a.X[row + v] / temperature - m;
            double e = Math.Exp(d);
            s += e;
            w += e * d;
        }

        a.Max[t] = m;
        a.LogSum[t] = Math.Log(s);
        a.MeanRel[t] = w / s;
    }

    /// <summary>One thread per token: <c>H = max(0, ln S − W/S)</c> and <c>log p = x_y/T − m − ln S</c>, each wanted
    /// output rounded to float once.</summary>
    internal static void Outputs(Index1D t, OutputArgs a)
    {
        var r = a.Rows;
        if (a.Entropy.Length > 0)
        {
            a.Entropy[t] = (float)Math.Max(0.0, r.LogSum[t] - r.MeanRel[t]);
        }

        if (a.LogProb.Length > 0)
        {
            a.LogProb[t] = (float)(r.X[(long)t.X * r.Vocab + r.Labels[t]] / (double)r.Temperature - r.Max[t]
                - r.LogSum[t]);
        }
    }

    /// <summary>
    /// One thread per logit (t, v): with <c>p = e^{z − m − ln S}</c> and <c>μ = m + W/S</c>,
    /// <c>dL/dx = (gH·(−p(z − μ)) + gL·(1[v = y] − p)) / T</c> in double, rounded once.
    /// </summary>
    internal static void GradElement(Index1D k, GradArgs a)
    {
        var r = a.Rows;
        int t = (int)(k / r.Vocab), v = (int)(k % r.Vocab);
        double temp = r.Temperature, m = r.Max[t], logS = r.LogSum[t], mean = m + r.MeanRel[t];
        double gH = a.HasEntropy != 0 ? a.GradEntropy[t] : 0.0;
        double gL = a.HasLogProb != 0 ? a.GradLogProb[t] : 0.0;
        int label = a.HasLogProb != 0 ? r.Labels[t] : -1;
        double z = r.X[k] / temp;
        double p = Math.Exp(z - m - logS);
        double dH = -p * (z - mean);
        double dL = (v == label ? 1.0 : 0.0) - p;
        a.Grad[k] = (float)((gH * dH + gL * dL) / temp);
    }

    /// <summary>The logits [tokens][vocab], labels, T and each row's m, ln S and W/S (double).</summary>
    internal readonly record struct RowArgs(
        ArrayView<float> X, ArrayView<int> Labels, int Vocab, float Temperature, ArrayView<double> Max,
        ArrayView<double> LogSum, ArrayView<double> MeanRel);

    /// <summary>The row statistics and the forward outputs (an empty view: not computed).</summary>
    internal readonly record struct OutputArgs(RowArgs Rows, ArrayView<float> Entropy, ArrayView<float> LogProb);

    /// <summary>The row statistics, the upstream gradients (flags: given) and dL/dlogits out.</summary>
    internal readonly record struct GradArgs(
        RowArgs Rows, ArrayView<float> GradEntropy, ArrayView<float> GradLogProb, int HasEntropy, int HasLogProb,
        ArrayView<float> Grad);
}
