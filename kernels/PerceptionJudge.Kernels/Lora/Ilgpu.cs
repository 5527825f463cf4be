using ILGPU;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Lora;

/// <summary>
/// LoRA merge / unmerge / delta (PEFT <c>merge</c> / <c>unmerge</c> / <c>get_delta_weight</c>) as one ILGPU kernel
/// on an <see cref="IlgpuContext"/>: <see cref="Element"/> runs one thread per element of W, the rank-r dot product
/// <c>Σ_k B[o][k]·A[k][i]</c> in double in k order and <c>(float)(w + scale·dot)</c>, exactly as
/// <see cref="LoraReference"/> (the reference's bits). The whole operation set is ported; W, A and B sit in pooled
/// device buffers.
/// </summary>
public sealed class LoraIlgpu : ILoraKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public LoraIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The operations this backend runs as ILGPU kernels (all of <see cref="ILoraKernels"/>).</summary>
    public static IReadOnlyList<string> Ported => LoraVulkan.Ported;

    /// <inheritdoc />
    public void AddScaledProduct(
        Span<float> weight, ReadOnlySpan<float> loraA, ReadOnlySpan<float> loraB, LoraShape shape, float scale,
        bool accumulate)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        lock (context.Gate)
        {
            var w = accumulate
                ? context.Upload<float>("lora.w", weight)
                : context.Buffer<float>("lora.w", weight.Length);
            var args = new Args(w, context.Upload("lora.a", loraA), context.Upload("lora.b", loraB),
                shape.InFeatures, shape.Rank, scale, accumulate ? 1 : 0);
            context.Kernel<Args>(Element)(weight.Length, args);
            context.Download(w, weight);
        }
    }

    /// <summary>One thread per element (o, i) of W: <c>W[o][i] = (float)((accumulate ? W[o][i] : 0) + scale ·
    /// Σ_k (double)B[o][k]·A[k][i])</c>, k in order.</summary>
    internal static void Element(Index1D k, Args a)
    {
        int o = k / a.InFeatures, i = k % a.InFeatures;
        double dot = 0;
        for (int r = 0; r < a.Rank; r++)
        {
            dot += (double)a.B[o * a.Rank + r] * a.A[r * a.InFeatures + i];
        }

        double w = a.Accumulate != 0 ? a.W[k] : 0.0;
        a.W[k] = (float)(w + a.Scale * dot);
    }

    /// <summary>The kernel's views (W [out][in], A [r][in], B [out][r]) and scalars.</summary>
    internal readonly record struct Args(
        ArrayView<float> W, ArrayView<float> A, ArrayView<float> B, int InFeatures, int Rank, float Scale,
        int Accumulate);
}
