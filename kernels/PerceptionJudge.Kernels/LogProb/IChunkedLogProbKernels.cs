using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Entropy and chosen-token log-prob of logits that only ever exist one block at a time: a row-major block
/// <c>logits[tokens][columns]</c> holds rows [firstToken, firstToken + tokens) and vocabulary columns
/// [firstColumn, firstColumn + columns) of the full <c>[Tokens][Vocab]</c> matrix (for example
/// <c>hidden_chunk · W_chunkᵀ</c>). Same math and conventions as <see cref="ILogProbKernels"/> (<c>z = x / T</c>,
/// verl v0.6.0 <c>entropy_from_logits</c> / <c>logprobs_from_logits</c>); the fused-linear idea is Liger-Kernel's
/// <c>fused_linear_cross_entropy</c> and verl's <c>utils/kernel/linear_cross_entropy</c>, here cut over vocabulary
/// too so the block, not a row of V logits, bounds the memory.
/// </summary>
public interface IChunkedLogProbKernels
{
    /// <summary>Folds one block into <paramref name="state"/> (running max, Σ e^{z−m}, Σ e^{z−m}(z−m), x_y).</summary>
    void Accumulate(
        ReadOnlySpan<float> logits, int firstToken, int tokens, int firstColumn, int columns, LogSumExpState state);

    /// <summary>
    /// OVERWRITES <paramref name="gradLogits"/> (the block's shape; it may be the same memory as
    /// <paramref name="logits"/>) with dL/dx for the block, from the final statistics of a complete
    /// <paramref name="state"/>: with <c>p_j = e^{z_j − lse}</c> and <c>μ = Σ p·z</c>,
    /// <c>dL/dx_j = (gL·(1[j = y] − p_j) + gH·(−p_j·(z_j − μ))) / T</c>, because
    /// <c>∂logp/∂z_j = 1[j = y] − p_j</c> and <c>∂H/∂z_j = p_j − ∂(Σ_k p_k z_k)/∂z_j = −p_j(z_j − μ)</c> (using
    /// <c>∂p_k/∂z_j = p_k(1[k = j] − p_j)</c>). <paramref name="gradEntropy"/> and <paramref name="gradLogProb"/>
    /// hold one value per token of the whole state (indexed by the global token) or are empty (zero gradient).
    /// </summary>
    void Backward(
        ReadOnlySpan<float> logits,
        int firstToken,
        int tokens,
        int firstColumn,
        int columns,
        LogSumExpState state,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits);
}

/// <summary>The <see cref="IChunkedLogProbKernels"/> of each backend, and the current backend's.</summary>
public static class ChunkedLogProbKernels
{
    private static readonly ChunkedLogProbReference s_reference = new();
    private static readonly ChunkedLogProbCpu s_cpu = new();
    private static readonly Lazy<ChunkedLogProbVulkan> s_vulkan = new(() => new ChunkedLogProbVulkan());
    private static readonly Lazy<ChunkedLogProbIlgpu> s_ilgpu = new(() => new ChunkedLogProbIlgpu());

    /// <summary>The implementation of <see cref="KernelBackend.Current"/>.</summary>
    public static IChunkedLogProbKernels Current => For(KernelBackend.Current);

    /// <summary>The implementation for <paramref name="backend"/> (Vulkan: <see cref="ChunkedLogProbVulkan"/>, ILGPU:
    /// <see cref="ChunkedLogProbIlgpu"/>).</summary>
    public static IChunkedLogProbKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} chunked log-prob kernels are not available"),
    };

    /// <summary>Shared checks of <see cref="IChunkedLogProbKernels.Backward"/>.</summary>
    internal static void CheckBackward(
        int logitsLength,
        int firstToken,
        int tokens,
        int firstColumn,
        int columns,
        LogSumExpState state,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        int gradLength)
    {
        state.CheckBlock(logitsLength, firstToken, tokens, firstColumn, columns);
        state.EnsureComplete();
        if (gradLength != logitsLength)
        {
            throw new KernelInputException("grad_logits", $"expected {logitsLength} elements, got {gradLength}");
        }

        if (gradEntropy.Length != 0)
        {
            Guard.Length(gradEntropy, state.Tokens, "grad_entropy");
        }

        if (gradLogProb.Length != 0)
        {
            Guard.Length(gradLogProb, state.Tokens, "grad_log_prob");
            if (!state.HasLabels)
            {
                throw new KernelInputException("labels", "a log-prob gradient needs labels; the state has none");
            }
        }

        if (gradEntropy.Length != 0)
        {
            Guard.Finite(gradEntropy.Slice(firstToken, tokens), "grad_entropy");
        }

        if (gradLogProb.Length != 0)
        {
            Guard.Finite(gradLogProb.Slice(firstToken, tokens), "grad_log_prob");
        }
    }
}
