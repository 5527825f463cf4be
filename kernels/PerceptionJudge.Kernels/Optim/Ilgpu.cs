using ILGPU;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// The optimizer family as ILGPU kernels on an <see cref="IlgpuContext"/>; every operation is ported. The tensors of
/// a call are concatenated into one pooled buffer per role (copied straight from each tensor), so each operation is
/// one launch:
/// <list type="bullet">
/// <item><see cref="SumSquaresChunk"/>: one thread per chunk of ≤ <see cref="Chunk"/> elements (a chunk never spans
/// two tensors), Σ (double)x² in element order; the host adds each tensor's chunk partials in chunk order, so a
/// tensor of one chunk gives the reference's bits and every result repeats bit for bit.</item>
/// <item><see cref="ScaleElement"/>: x ← x·factor (the clip).</item>
/// <item><see cref="AdamWElement"/>: the fused multi-tensor AdamW step, one thread per element running
/// <see cref="OptimReference.AdamW"/>'s double arithmetic in its order with the clip coefficient folded into g
/// (the reference's bits; torch's <c>_single_tensor_adamw</c> with <c>clip_grad_norm_</c>).</item>
/// </list>
/// </summary>
public sealed class OptimIlgpu : IOptimKernels
{
    /// <summary>Elements per sum-of-squares thread.</summary>
    internal const int Chunk = 4096;

    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public OptimIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The operations this backend runs as ILGPU kernels (all of <see cref="IOptimKernels"/>).</summary>
    public static IReadOnlyList<string> Ported => OptimVulkan.Ported;

    /// <inheritdoc />
    public void SumSquares(ReadOnlySpan<ReadOnlyMemory<float>> tensors, Span<double> sumSquares)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        var (start, length, owner) = Chunks(tensors);
        var partial = new double[owner.Length];
        lock (context.Gate)
        {
            var args = new SumArgs(context.UploadParts("optim.x", tensors), context.Upload<long>("optim.start", start),
                context.Upload<int>("optim.length", length), context.Buffer<double>("optim.partial", owner.Length));
            context.Kernel<SumArgs>(SumSquaresChunk)(owner.Length, args);
            context.Download(args.Partial, partial);
        }

        sumSquares[..tensors.Length].Clear();
        for (int c = 0; c < owner.Length; c++)
        {
            sumSquares[owner[c]] += partial[c];
        }
    }

    /// <inheritdoc />
    public void Scale(ReadOnlySpan<Memory<float>> tensors, float factor)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        var parts = new ReadOnlyMemory<float>[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            parts[i] = tensors[i];
        }

        lock (context.Gate)
        {
            var x = context.UploadParts<float>("optim.x", parts);
            context.Kernel<ScaleArgs>(ScaleElement)(x.Length, new ScaleArgs(x, factor));
            context.DownloadParts(x, tensors);
        }
    }

    /// <inheritdoc />
    public void AdamW(ReadOnlySpan<ParamSlot> slots, AdamWOptions options, int step, double gradScale)
    {
        var context = _context ?? IlgpuRuntime.Shared;
        var (p, m, v) = (new Memory<float>[slots.Length], new Memory<float>[slots.Length],
            new Memory<float>[slots.Length]);
        var (pr, g, mr, vr) = (new ReadOnlyMemory<float>[slots.Length], new ReadOnlyMemory<float>[slots.Length],
            new ReadOnlyMemory<float>[slots.Length], new ReadOnlyMemory<float>[slots.Length]);
        for (int i = 0; i < slots.Length; i++)
        {
            (p[i], m[i], v[i]) = (slots[i].Param, slots[i].ExpAvg, slots[i].ExpAvgSq);
            (pr[i], g[i], mr[i], vr[i]) = (p[i], slots[i].Grad, m[i], v[i]);
        }

        double bc1 = 1 - Math.Pow(options.Beta1, step), bc2 = 1 - Math.Pow(options.Beta2, step);
        lock (context.Gate)
        {
            var args = new AdamWArgs(context.UploadParts<float>("optim.p", pr),
                context.UploadParts<float>("optim.g", g), context.UploadParts<float>("optim.m", mr),
                context.UploadParts<float>("optim.v", vr), gradScale, 1 - options.Lr * options.WeightDecay,
                options.Beta1, options.Beta2, options.Lr / bc1, Math.Sqrt(bc2), options.Eps);
            context.Kernel<AdamWArgs>(AdamWElement)(args.P.Length, args);
            context.DownloadParts(args.P, p);
            context.DownloadParts(args.M, m);
            context.DownloadParts(args.V, v);
        }
    }

    /// <summary>One thread per chunk c: <c>Σ_j (double)x_j²</c> over its elements in order.</summary>
    internal static void SumSquaresChunk(Index1D c, SumArgs a)
    {
        double s = 0;
        long start = a.Start[c];
        for (int j = 0; j < a.Length[c]; j++)
        {
            double x = a.X[start + j];
            s += x * x;
        }

        a.Partial[c] = s;
    }

    /// <summary>One thread per element: <c>x ← x·factor</c>.</summary>
    internal static void ScaleElement(Index1D k, ScaleArgs a) => a.X[k] *= a.Factor;

    /// <summary>
    /// One thread per element, in double as <see cref="OptimReference.AdamW"/>: g = gradScale·grad,
    /// m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², p ← p·(1 − lr·wd) − (lr / bc1)·m / (√v / √bc2 + eps), each
    /// rounded to float once when stored.
    /// </summary>
    internal static void AdamWElement(Index1D k, AdamWArgs a)
    {
        double g = a.GradScale * a.G[k];
        double m = a.Beta1 * a.M[k] + (1 - a.Beta1) * g;
        double v = a.Beta2 * a.V[k] + (1 - a.Beta2) * g * g;
        double p = a.P[k] * a.Decay;
        a.P[k] = (float)(p - a.StepSize * m / (Math.Sqrt(v) / a.Bc2Sqrt + a.Eps));
        a.M[k] = (float)m;
        a.V[k] = (float)v;
    }

    /// <summary>Chunks of ≤ <see cref="Chunk"/> elements over the concatenated tensors: start, length, tensor.
    /// </summary>
    private static (long[] Start, int[] Length, int[] Owner) Chunks(ReadOnlySpan<ReadOnlyMemory<float>> tensors)
    {
        int count = 0;
        foreach (var t in tensors)
        {
            count += (t.Length + Chunk - 1) / Chunk;
        }

        var (start, length, owner) = (new long[count], new int[count], new int[count]);
        long at = 0;
        int c = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            for (int s = 0; s < tensors[i].Length; s += Chunk, c++)
            {
                (start[c], length[c], owner[c]) = (at + s, Math.Min(Chunk, tensors[i].Length - s), i);
            }

            at += tensors[i].Length;
        }

        return (start, length, owner);
    }

    /// <summary>The sum-of-squares views: the concatenated tensors, each chunk's start and length, the partials.
    /// </summary>
    internal readonly record struct SumArgs(
        ArrayView<float> X, ArrayView<long> Start, ArrayView<int> Length, ArrayView<double> Partial);

    /// <summary>The scale kernel's view and factor.</summary>
    internal readonly record struct ScaleArgs(ArrayView<float> X, float Factor);

    /// <summary>The AdamW views (param, grad, exp_avg, exp_avg_sq, concatenated) and its double coefficients.
    /// </summary>
    internal readonly record struct AdamWArgs(
        ArrayView<float> P, ArrayView<float> G, ArrayView<float> M, ArrayView<float> V, double GradScale,
        double Decay, double Beta1, double Beta2, double StepSize, double Bc2Sqrt, double Eps);
}
