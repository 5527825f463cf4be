namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// How the hole left by a removed, moved or erased object is filled: diffusion (onion peel + Jacobi sweeps of
/// Δu = 0, <see cref="IPerturbKernels.Inpaint"/>), right for the flat backgrounds of synthetic scenes, or exemplar
/// patches (<see cref="IPerturbKernels.ExemplarFill"/>), which continue the texture of photographs where diffusion
/// leaves a smooth smear.
/// </summary>
public sealed record HoleFill
{
    private HoleFill(int iterations, ExemplarFillOptions? exemplar)
    {
        Iterations = iterations;
        Exemplar = exemplar;
    }

    /// <summary>Jacobi sweeps of the diffusion fill (0 for the exemplar fill).</summary>
    public int Iterations { get; }

    /// <summary>The exemplar fill's options, or null for diffusion.</summary>
    public ExemplarFillOptions? Exemplar { get; }

    /// <summary>Diffusion with <paramref name="iterations"/> ∈ [0, 100000] Jacobi sweeps.</summary>
    public static HoleFill Diffusion(int iterations = RemoveOp.DefaultIterations)
    {
        Checks.Range(iterations, 0, 100_000, "iterations");
        return new HoleFill(iterations, null);
    }

    /// <summary>The exemplar (patch) fill, <see cref="ExemplarFillOptions.Default"/> unless given.</summary>
    public static HoleFill Patches(ExemplarFillOptions? options = null)
    {
        var o = options ?? ExemplarFillOptions.Default;
        o.Validate();
        return new HoleFill(0, o);
    }

    /// <summary>Text appended to an op's description: nothing for diffusion (so the manifests of synthetic
    /// datasets are unchanged), <c>, fill=exemplar(patch=9, margin=32)</c> for patches.</summary>
    internal string Suffix => Exemplar is { } o
        ? $", fill=exemplar(patch={2 * o.PatchRadius + 1}, margin={o.SearchMargin})"
        : "";

    internal void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        ulong seed)
    {
        if (Exemplar is { } o)
        {
            kernels.ExemplarFill(image, shape, mask, o, seed);
        }
        else
        {
            kernels.Inpaint(image, shape, mask, Iterations);
        }
    }
}
