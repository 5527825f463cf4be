using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Per-token entropy and chosen-token log-probability from logits <c>[tokens][vocab]</c> (row-major), as verl v0.6.0
/// <c>entropy_from_logits</c> / <c>logprobs_from_logits</c> with <c>z = logits / temperature</c>, and their backward.
/// Dispatches to <see cref="KernelBackend.Current"/>. Errors: <see cref="KernelInputException"/> naming
/// <c>logits</c> (shape, NaN/Inf with row and column), <c>labels</c> (outside [0, vocab), with the row),
/// <c>temperature</c>, or the output/gradient span of the wrong length.
/// </summary>
public static class TokenLogProb
{
    private static ILogProbKernels Kernels => LogProbKernels.For(KernelBackend.Current);

    /// <summary><c>entropy[t] = logsumexp(z_t) − Σ_v softmax(z_t)_v·z_tv</c>, in [0, ln vocab].</summary>
    public static void Entropy(
        ReadOnlySpan<float> logits, int tokens, int vocab, Span<float> entropy, float temperature = 1f)
    {
        using var span = KernelTrace.Kernel("log_prob.entropy", 4L * tokens * vocab);
        Kernels.Forward(logits, default, tokens, vocab, temperature, entropy, default);
    }

    /// <summary><c>logProb[t] = z_t[labels[t]] − logsumexp(z_t)</c> (≤ 0).</summary>
    public static void ChosenLogProb(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        Span<float> logProb,
        float temperature = 1f)
    {
        using var span = KernelTrace.Kernel("log_prob.chosen", 4L * tokens * vocab);
        Kernels.Forward(logits, labels, tokens, vocab, temperature, default, logProb);
    }

    /// <summary>Both <see cref="Entropy"/> and <see cref="ChosenLogProb"/> from one read of the logits.</summary>
    public static void EntropyAndLogProb(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        Span<float> entropy,
        Span<float> logProb,
        float temperature = 1f)
    {
        using var span = KernelTrace.Kernel("log_prob.forward", 4L * tokens * vocab);
        Kernels.Forward(logits, labels, tokens, vocab, temperature, entropy, logProb);
    }

    /// <summary>
    /// OVERWRITES <paramref name="gradLogits"/> (length tokens·vocab) with
    /// <c>dL/dx_v = (gradEntropy[t]·(−p_v(z_v − Σ_u p_u z_u)) + gradLogProb[t]·(onehot(labels[t])_v − p_v)) / T</c>.
    /// Either upstream span may be empty (zero gradient); <paramref name="labels"/> may then be empty too.
    /// Recomputes the row statistics (one read), then one fused read+write pass per row.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits,
        float temperature = 1f)
    {
        using var span = KernelTrace.Kernel("log_prob.backward", 12L * tokens * vocab);
        Kernels.Backward(logits, labels, tokens, vocab, temperature, gradEntropy, gradLogProb, gradLogits);
    }
}

/// <summary>The <see cref="ILogProbKernels"/> instance of each backend.</summary>
public static class LogProbKernels
{
    private static readonly LogProbReference s_reference = new();
    private static readonly LogProbCpu s_cpu = new();
    private static readonly Lazy<LogProbVulkan> s_vulkan = new(() => new LogProbVulkan());
    private static readonly Lazy<LogProbIlgpu> s_ilgpu = new(() => new LogProbIlgpu());

    /// <summary>The implementation for <paramref name="backend"/> (Vulkan: <see cref="LogProbVulkan"/>, ILGPU:
    /// <see cref="LogProbIlgpu"/>).</summary>
    public static ILogProbKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} log-prob kernels are not available"),
    };
}
