using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// <see cref="IChunkedLogProbKernels"/> as GLSL compute shaders, one workgroup per block row.
/// <see cref="Accumulate"/>: <c>log_prob_block.comp</c> streams the block once and gives each row's piece statistics
/// (max, ln S, W/S in float, the same quantities as the Cpu backend's row kernel); the host then merges each piece
/// into the <see cref="LogSumExpState"/> in double (O(tokens), the same <c>Fold</c> as the other backends), because
/// the state lives on the host between blocks and keeps its sums in double. <see cref="Backward"/>:
/// <c>log_prob_block_backward.comp</c> reads the block and each row's final statistics (rounded to float, as the Cpu
/// backend does) and writes dL/dx for the whole block. Checks run on the host first with the other backends' errors;
/// a row holding NaN/Inf is flagged by the shader and reported naming its global token and column, and then nothing
/// of the block is folded in.
/// </summary>
public sealed class ChunkedLogProbVulkan : IChunkedLogProbKernels
{
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public ChunkedLogProbVulkan(VulkanContext? context = null) => _context = context;

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

    /// <inheritdoc />
    public void Accumulate(
        ReadOnlySpan<float> logits, int firstToken, int tokens, int firstColumn, int columns, LogSumExpState state)
    {
        state.CheckBlock(logits.Length, firstToken, tokens, firstColumn, columns);
        state.CheckRoomFor(firstToken, tokens, columns);
        if (tokens == 0)
        {
            return;
        }

        var context = Context;
        using var x = VulkanBuffer.From(context, logits);
        using var stats = VulkanBuffer.Create(context, 3L * tokens * sizeof(float));
        using var bad = VulkanBuffer.Create(context, (long)tokens * sizeof(uint));
        var push = new BlockPush((uint)tokens, (uint)columns, 1f / state.Temperature);
        var (gx, gy) = VulkanDispatch.Split(tokens);
        context.Run(new VulkanDispatch("log_prob_block", [x, stats, bad], VulkanDispatch.Bytes(push), gx, gy));
        ThrowOnBadRow(bad, logits, tokens, firstToken, firstColumn, columns);
        var s = stats.AsSpan<float>();
        for (int t = 0; t < tokens; t++)
        {
            // The piece (M, S, W) from (M, ln S, W/S), as ChunkedLogProbCpu converts its float row statistics.
            double sum = Math.Exp(s[3 * t + 1]);
            var piece = new OnlineLogSumExp(s[3 * t], sum, s[3 * t + 2] * sum);
            state.Fold(firstToken + t, piece, firstColumn, columns, logits.Slice(t * columns, columns));
        }
    }

    /// <inheritdoc />
    public void Backward(
        ReadOnlySpan<float> logits,
        int firstToken,
        int tokens,
        int firstColumn,
        int columns,
        LogSumExpState state,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits)
    {
        ChunkedLogProbKernels.CheckBackward(
            logits.Length, firstToken, tokens, firstColumn, columns, state, gradEntropy, gradLogProb,
            gradLogits.Length);
        if (tokens == 0)
        {
            return;
        }

        var context = Context;
        bool hasH = gradEntropy.Length > 0, hasL = gradLogProb.Length > 0;
        using var x = VulkanBuffer.From(context, logits);
        using var stats = VulkanBuffer.Create(context, 3L * tokens * sizeof(float));
        using var upstream = VulkanBuffer.Create(context, 2L * tokens * sizeof(float));
        using var labels = VulkanBuffer.Create(context, (long)tokens * sizeof(int));
        using var grad = VulkanBuffer.Create(context, (long)logits.Length * sizeof(float));
        using var bad = VulkanBuffer.Create(context, (long)tokens * sizeof(uint));
        var s = stats.AsSpan<float>();
        var u = upstream.AsSpan<float>();
        var lab = labels.AsSpan<int>();
        for (int t = 0; t < tokens; t++)
        {
            int token = firstToken + t;
            var row = state.Row(token);
            s[3 * t] = row.Max;
            s[3 * t + 1] = (float)row.LogSum;
            s[3 * t + 2] = (float)row.MeanRel;
            u[2 * t] = hasH ? gradEntropy[token] : 0f;
            u[2 * t + 1] = hasL ? gradLogProb[token] : 0f;
            int local = hasL ? state.Label(token) - firstColumn : -1;
            lab[t] = (uint)local < (uint)columns ? local : -1;
        }

        var push = new BlockPush((uint)tokens, (uint)columns, 1f / state.Temperature);
        var (gx, gy) = VulkanDispatch.Split(tokens);
        context.Run(new VulkanDispatch(
            "log_prob_block_backward", [x, stats, upstream, labels, grad, bad], VulkanDispatch.Bytes(push), gx, gy));
        ThrowOnBadRow(bad, logits, tokens, firstToken, firstColumn, columns);
        grad.AsSpan<float>()[..logits.Length].CopyTo(gradLogits);
    }

    private static void ThrowOnBadRow(
        VulkanBuffer bad, ReadOnlySpan<float> logits, int tokens, int firstToken, int firstColumn, int columns)
    {
        int row = bad.AsSpan<uint>()[..tokens].IndexOfAnyExcept(0u);
        if (row >= 0)
        {
            throw ChunkedChecks.NonFinite(logits, row, firstToken, firstColumn, columns);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct BlockPush(uint Tokens, uint Columns, float InvT);
}
