using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Entropy, chosen-token log-prob and their backward as GLSL compute shaders on the shared
/// <see cref="VulkanContext"/>: <c>log_prob.comp</c> and <c>log_prob_backward.comp</c>, one workgroup per token
/// row, each computing the row's online log-sum-exp statistics (<c>log_sum_exp.glsl</c>) in one streaming read.
/// Checks run on the host first with the other backends' errors; a row holding NaN/Inf is flagged by the shader and
/// reported naming its row and column. The chunked block kernels are <see cref="ChunkedLogProbVulkan"/>.
/// </summary>
public sealed class LogProbVulkan : ILogProbKernels
{
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public LogProbVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The log-prob operations this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } =
        ["entropy", "log_prob", "log_prob backward", "chunked accumulate", "chunked backward"];

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

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
        var context = Context;
        bool wantH = entropy.Length > 0, wantL = logProb.Length > 0;
        using var x = VulkanBuffer.From(context, logits);
        using var lab = VulkanBuffer.From(context, wantL ? labels : default);
        using var h = VulkanBuffer.Create(context, wantH ? (long)tokens * sizeof(float) : 0);
        using var l = VulkanBuffer.Create(context, wantL ? (long)tokens * sizeof(float) : 0);
        using var bad = VulkanBuffer.Create(context, (long)tokens * sizeof(uint));
        context.Run(ForwardDispatch([x, lab, h, l, bad], tokens, vocab, temperature, wantH, wantL));
        ThrowOnBadRow(bad, logits, tokens, vocab);
        if (wantH)
        {
            h.AsSpan<float>()[..tokens].CopyTo(entropy);
        }

        if (wantL)
        {
            l.AsSpan<float>()[..tokens].CopyTo(logProb);
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
        var context = Context;
        bool hasH = gradEntropy.Length > 0, hasL = gradLogProb.Length > 0;
        using var x = VulkanBuffer.From(context, logits);
        using var lab = VulkanBuffer.From(context, hasL ? labels : default);
        using var gh = VulkanBuffer.From(context, gradEntropy);
        using var gl = VulkanBuffer.From(context, gradLogProb);
        using var grad = VulkanBuffer.Create(context, (long)logits.Length * sizeof(float));
        using var bad = VulkanBuffer.Create(context, (long)tokens * sizeof(uint));
        context.Run(BackwardDispatch([x, lab, gh, gl, grad, bad], tokens, vocab, temperature, hasH, hasL));
        ThrowOnBadRow(bad, logits, tokens, vocab);
        grad.AsSpan<float>()[..logits.Length].CopyTo(gradLogits);
    }

    /// <summary>The forward dispatch over (logits, labels, entropy, log_prob, bad-row flags): one workgroup per
    /// token row.</summary>
    internal static VulkanDispatch ForwardDispatch(
        VulkanBuffer[] buffers, int tokens, int vocab, float temperature, bool wantEntropy, bool wantLogProb) =>
        RowDispatch("log_prob", buffers, tokens, vocab, temperature, wantEntropy, wantLogProb);

    /// <summary>The backward dispatch over (logits, labels, d entropy, d log_prob, d logits, bad-row flags): one
    /// workgroup per token row.</summary>
    internal static VulkanDispatch BackwardDispatch(
        VulkanBuffer[] buffers, int tokens, int vocab, float temperature, bool hasEntropy, bool hasLogProb) =>
        RowDispatch("log_prob_backward", buffers, tokens, vocab, temperature, hasEntropy, hasLogProb);

    private static VulkanDispatch RowDispatch(
        string shader, VulkanBuffer[] buffers, int tokens, int vocab, float temperature, bool first, bool second)
    {
        var push = new RowPush((uint)tokens, (uint)vocab, 1f / temperature, first ? 1u : 0u, second ? 1u : 0u);
        var (gx, gy) = VulkanDispatch.Split(tokens);
        return new VulkanDispatch(shader, buffers, VulkanDispatch.Bytes(push), gx, gy);
    }

    private static void ThrowOnBadRow(VulkanBuffer bad, ReadOnlySpan<float> logits, int tokens, int vocab)
    {
        int row = bad.AsSpan<uint>()[..tokens].IndexOfAnyExcept(0u);
        if (row >= 0)
        {
            throw LogProbChecks.NonFiniteRow(logits, row, vocab);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct RowPush(uint Tokens, uint Vocab, float InvT, uint First, uint Second);
}
