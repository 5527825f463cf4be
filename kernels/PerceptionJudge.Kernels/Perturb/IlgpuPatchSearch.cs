using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The exemplar fill's patch search on an ILGPU device (<see cref="PerturbIlgpu.SearchRowKernel"/>, then
/// <see cref="PerturbIlgpu.SearchBestKernel"/>). The image and the valid centres go up once, at the first search:
/// a valid source patch lies wholly outside the hole, whose pixels are the only ones the fill changes, so the device
/// copy stays exact for the whole fill. Each search uploads the target's known offsets and values and reads back the
/// winning index. The caller holds the context's gate for the whole fill.
/// </summary>
internal sealed unsafe class IlgpuPatchSearch(IlgpuContext context) : IPatchSearch
{
    private bool _uploaded;

    public int Find(ExemplarProblem p)
    {
        var s = p.Shape;
        if (!_uploaded)
        {
            context.Upload("perturb.image", new ReadOnlySpan<float>(p.Image, s.Size));
            context.Upload("perturb.mask", MemoryMarshal.Cast<bool, byte>(p.Valid.AsSpan()));
            _uploaded = true;
        }

        var win = p.Window;
        int cc = s.ColourChannels;
        var args = new PerturbIlgpu.SearchArgs(
            context.Buffer<float>("perturb.image", s.Size), context.Buffer<byte>("perturb.mask", s.Plane),
            context.Upload("perturb.offsets", (ReadOnlySpan<int>)p.Offsets.AsSpan(0, p.Count)),
            context.Upload("perturb.values", (ReadOnlySpan<float>)p.Values.AsSpan(0, cc * p.Count)),
            context.Buffer<int>("perturb.row_index", win.Height), context.Buffer<float>("perturb.row_ssd", win.Height),
            context.Buffer<ulong>("perturb.row_key", win.Height), context.Buffer<int>("perturb.best", 1), s.Width,
            s.Plane, cc, p.Count, win.X, win.Y, win.Width, win.Height, p.Seed);
        context.Kernel<PerturbIlgpu.SearchArgs>(PerturbIlgpu.SearchRowKernel)(win.Height, args);
        context.Kernel<PerturbIlgpu.SearchArgs>(PerturbIlgpu.SearchBestKernel)(1, args);
        Span<int> best = stackalloc int[1];
        context.Download(args.Best, best);
        return best[0];
    }
}
