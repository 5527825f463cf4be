using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>Builds PPJD dataset folders (the library under <c>pjudge ppjd build</c>).</summary>
public static class PpjdBuilder
{
    /// <summary>Written into dataset.json.</summary>
    public const string Version = "0.1.0";

    /// <summary>
    /// <c>--synthetic N</c>: N scene pairs, pair i from seed Derive(<paramref name="seed"/>, i), streamed to
    /// <paramref name="outDir"/>. <paramref name="progress"/> gets the number of pairs written after each one.
    /// </summary>
    public static PpjdDatasetInfo BuildSynthetic(string outDir, int count, ulong seed = 20261122,
        SceneOptions? options = null, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var generator = new SceneGenerator(options);
        using var writer = new PpjdWriter(outDir);
        for (int i = 0; i < count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            ulong pairSeed = HashRng.Derive(seed, (ulong)i);
            var scene = generator.Generate(pairSeed);
            writer.Add(SceneEditor.Edit(scene, pairSeed), pairSeed);
            progress?.Report(i + 1);
        }

        return writer.Complete("ppjd-synthetic", "synthetic", seed);
    }
}
