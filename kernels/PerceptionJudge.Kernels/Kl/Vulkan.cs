using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Kl;

/// <summary>
/// The KL estimators as a GLSL compute shader on the shared <see cref="VulkanContext"/>: every estimator of
/// <see cref="KlEstimator"/> with its straight-through variant and d kl / d logprob (<c>kl_penalty.comp</c>, one
/// invocation per element, float32 like torch). Element-wise, so the result is the same bits run after run; it
/// agrees with <see cref="KlReference"/> to the device's <c>exp</c> precision (k3 only).
/// </summary>
public sealed class KlVulkan : IKlKernels
{
    private const string Shader = "kl_penalty";
    private const int WorkgroupSize = 256;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public KlVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The estimators this backend runs on the GPU (every one, each also with a "+" suffix).</summary>
    public static IReadOnlyList<string> Ported { get; } = ["kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3"];

    /// <inheritdoc />
    public void Compute(
        KlEstimator estimator, bool straightThrough, ReadOnlySpan<float> logprob, ReadOnlySpan<float> refLogprob,
        Span<float> kl, Span<float> gradLogprob)
    {
        var context = _context ?? VulkanRuntime.Shared;
        int n = logprob.Length;
        bool wantGrad = !gradLogprob.IsEmpty;
        using var lp = VulkanBuffer.From(context, logprob);
        using var rf = VulkanBuffer.From(context, refLogprob);
        using var k = VulkanBuffer.Create(context, (long)n * sizeof(float));
        using var g = VulkanBuffer.Create(context, wantGrad ? (long)n * sizeof(float) : 0);
        context.Run(Dispatch([lp, rf, k, g], n, estimator, straightThrough, wantGrad));
        k.AsSpan<float>()[..n].CopyTo(kl);
        if (wantGrad)
        {
            g.AsSpan<float>()[..n].CopyTo(gradLogprob);
        }
    }

    /// <summary>The dispatch over <paramref name="buffers"/> (logprob, ref, kl, grad): ⌈n / 1024⌉ workgroups.</summary>
    internal static VulkanDispatch Dispatch(
        VulkanBuffer[] buffers, int n, KlEstimator estimator, bool straightThrough, bool wantGrad)
    {
        const long perGroup = WorkgroupSize * 4; // kl_penalty.comp's EPI elements per invocation
        var (x, y) = VulkanDispatch.Split((n + perGroup - 1) / perGroup);
        var push = new KlPush((uint)n, (uint)estimator, straightThrough ? 1u : 0u, wantGrad ? 1u : 0u);
        return new VulkanDispatch(Shader, buffers, VulkanDispatch.Bytes(push), x, y);
    }

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct KlPush(uint N, uint Estimator, uint StraightThrough, uint WantGrad);
}
