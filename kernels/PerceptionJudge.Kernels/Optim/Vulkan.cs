using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// The optimizer family as GLSL compute shaders on the shared <see cref="VulkanContext"/>; every operation is
/// ported. The tensors of a call are concatenated into one buffer per role, so each operation is one dispatch:
/// <list type="bullet">
/// <item><c>sum_squares.comp</c>: Σ x² per chunk of ≤ <see cref="Chunk"/> elements in double where the device has
/// <c>shaderFloat64</c>, else <c>sum_squares_compensated.comp</c> (Kahan float, relative error below 1e-6); the host
/// adds each tensor's chunk partials in chunk order (in double), so results repeat bit for bit.</item>
/// <item><c>scale.comp</c>: x ← x·factor (the clip).</item>
/// <item><c>adamw.comp</c>: the fused multi-tensor AdamW step with the clip coefficient folded into g.</item>
/// </list>
/// </summary>
public sealed class OptimVulkan : IOptimKernels
{
    /// <summary>Elements per sum-of-squares workgroup (a chunk never spans two tensors).</summary>
    internal const int Chunk = 4096;

    private const int WorkgroupSize = 256;
    private readonly VulkanContext? _context;
    private readonly bool _allowFloat64;

    /// <summary>
    /// Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// <paramref name="allowFloat64"/> false forces the compensated float sum even where the device has
    /// <c>shaderFloat64</c> (the tests run both).
    /// </summary>
    public OptimVulkan(VulkanContext? context = null, bool allowFloat64 = true) =>
        (_context, _allowFloat64) = (context, allowFloat64);

    /// <summary>The operations this backend runs on the GPU (all of <see cref="IOptimKernels"/>).</summary>
    public static IReadOnlyList<string> Ported { get; } = ["sum_squares", "scale", "adamw"];

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

    /// <summary>Whether sums of squares accumulate in double on this context.</summary>
    public bool UsesFloat64 => _allowFloat64 && Context.Float64;

    /// <inheritdoc />
    public void SumSquares(ReadOnlySpan<ReadOnlyMemory<float>> tensors, Span<double> sumSquares)
    {
        var context = Context;
        bool f64 = UsesFloat64;
        var lengths = new int[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            lengths[i] = tensors[i].Length;
        }

        var (chunks, owner) = Chunks(lengths);
        using var values = Concatenate(context, tensors);
        using var table = VulkanBuffer.From<uint>(context, chunks);
        using var partials = VulkanBuffer.Create(context, (long)owner.Length * (f64 ? sizeof(double) : sizeof(float)));
        var (x, y) = VulkanDispatch.Split(owner.Length);
        context.Run(new VulkanDispatch(f64 ? "sum_squares" : "sum_squares_compensated", [values, table, partials],
            VulkanDispatch.Bytes((uint)owner.Length), x, y));

        sumSquares[..tensors.Length].Clear();
        Span<double> d = f64 ? partials.AsSpan<double>() : default;
        Span<float> f = f64 ? default : partials.AsSpan<float>();
        for (int c = 0; c < owner.Length; c++)
        {
            sumSquares[owner[c]] += f64 ? d[c] : f[c];
        }

        if (!f64)
        {
            ThrowOnFloatOverflow(tensors, sumSquares);
        }
    }

    /// <inheritdoc />
    public void Scale(ReadOnlySpan<Memory<float>> tensors, float factor)
    {
        var context = Context;
        long total = 0;
        foreach (var t in tensors)
        {
            total += t.Length;
        }

        using var values = VulkanBuffer.Create(context, total * sizeof(float));
        var all = values.AsSpan<float>();
        int at = 0;
        foreach (var t in tensors)
        {
            t.Span.CopyTo(all[at..]);
            at += t.Length;
        }

        var (x, y) = VulkanDispatch.Split((total + WorkgroupSize - 1) / WorkgroupSize);
        var push = VulkanDispatch.Bytes(new ScalePush((uint)total, factor));
        context.Run(new VulkanDispatch("scale", [values], push, x, y));
        at = 0;
        foreach (var t in tensors)
        {
            all.Slice(at, t.Length).CopyTo(t.Span);
            at += t.Length;
        }
    }

    /// <inheritdoc />
    public void AdamW(ReadOnlySpan<ParamSlot> slots, AdamWOptions options, int step, double gradScale)
    {
        var context = Context;
        var p = new ReadOnlyMemory<float>[slots.Length];
        var g = new ReadOnlyMemory<float>[slots.Length];
        var m = new ReadOnlyMemory<float>[slots.Length];
        var v = new ReadOnlyMemory<float>[slots.Length];
        for (int i = 0; i < slots.Length; i++)
        {
            (p[i], g[i], m[i], v[i]) = (slots[i].Param, slots[i].Grad, slots[i].ExpAvg, slots[i].ExpAvgSq);
        }

        using var pb = Concatenate(context, p);
        using var gb = Concatenate(context, g);
        using var mb = Concatenate(context, m);
        using var vb = Concatenate(context, v);
        context.Run(AdamWDispatch(pb, gb, mb, vb, pb.Bytes / sizeof(float), options, step, gradScale));
        Span<float> ps = pb.AsSpan<float>(), ms = mb.AsSpan<float>(), vs = vb.AsSpan<float>();
        int at = 0;
        foreach (var s in slots)
        {
            int n = s.Param.Length;
            ps.Slice(at, n).CopyTo(s.Param.Span);
            ms.Slice(at, n).CopyTo(s.ExpAvg.Span);
            vs.Slice(at, n).CopyTo(s.ExpAvgSq.Span);
            at += n;
        }
    }

    /// <summary>The fused AdamW dispatch over the concatenated (param, grad, exp_avg, exp_avg_sq) buffers of
    /// <paramref name="total"/> elements: four elements per invocation.</summary>
    internal static VulkanDispatch AdamWDispatch(
        VulkanBuffer param, VulkanBuffer grad, VulkanBuffer expAvg, VulkanBuffer expAvgSq, long total,
        AdamWOptions options, int step, double gradScale)
    {
        var push = AdamWPush.From((uint)total, options, step, gradScale);
        const int perGroup = WorkgroupSize * 4; // adamw.comp's EPI elements per invocation
        var (x, y) = VulkanDispatch.Split((total + perGroup - 1) / perGroup);
        return new VulkanDispatch("adamw", [param, grad, expAvg, expAvgSq], VulkanDispatch.Bytes(push), x, y);
    }

    /// <summary>(start, length) pairs of every chunk over the concatenation, and the tensor owning each chunk.
    /// </summary>
    internal static (uint[] Table, int[] Owner) Chunks(ReadOnlySpan<int> lengths)
    {
        int count = 0;
        foreach (int n in lengths)
        {
            count += Partition.ChunkCount(n, Chunk);
        }

        var table = new uint[2 * count];
        var owner = new int[count];
        long start = 0;
        int c = 0;
        for (int t = 0; t < lengths.Length; t++)
        {
            for (int s = 0; s < lengths[t]; s += Chunk, c++)
            {
                table[2 * c] = checked((uint)(start + s));
                table[2 * c + 1] = (uint)Math.Min(Chunk, lengths[t] - s);
                owner[c] = t;
            }

            start += lengths[t];
        }

        return (table, owner);
    }

    private static VulkanBuffer Concatenate(VulkanContext context, ReadOnlySpan<ReadOnlyMemory<float>> tensors)
    {
        long total = 0;
        foreach (var t in tensors)
        {
            total += t.Length;
        }

        if (total > int.MaxValue)
        {
            throw new KernelInputException(
                "tensors", $"{total} elements in one call exceed the Vulkan backend's {int.MaxValue}; split the call");
        }

        var buffer = VulkanBuffer.Create(context, total * sizeof(float));
        var all = buffer.AsSpan<float>();
        int at = 0;
        foreach (var t in tensors)
        {
            t.Span.CopyTo(all[at..]);
            at += t.Length;
        }

        return buffer;
    }

    /// <summary>A float sum that overflowed although the tensor is finite (|x| above ~1.8e19): reported, not hidden.
    /// </summary>
    private static void ThrowOnFloatOverflow(ReadOnlySpan<ReadOnlyMemory<float>> tensors, ReadOnlySpan<double> sums)
    {
        for (int i = 0; i < tensors.Length; i++)
        {
            if (!double.IsFinite(sums[i]) && Guard.FirstNonFinite(tensors[i].Span) < 0)
            {
                throw new KernelInputException("grads", "the sum of squares overflows float on this device (no "
                    + "shaderFloat64, values above ~1.8e19); use --backend cpu", i);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ScalePush(uint Count, float Factor);

    /// <summary>The float coefficients of one step, derived in double as <see cref="OptimCpu"/> derives them.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct AdamWPush(
        uint Count, float GradScale, float Decay, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float StepSize, float Bc2Sqrt, float Eps)
    {
        public static AdamWPush From(uint count, AdamWOptions o, int step, double gradScale)
        {
            double bc1 = 1 - Math.Pow(o.Beta1, step), bc2 = 1 - Math.Pow(o.Beta2, step);
            return new AdamWPush(
                count, (float)gradScale, (float)(1 - o.Lr * o.WeightDecay), (float)o.Beta1, (float)(1 - o.Beta1),
                (float)o.Beta2, (float)(1 - o.Beta2), (float)(o.Lr / bc1), (float)Math.Sqrt(bc2), (float)o.Eps);
        }
    }
}
