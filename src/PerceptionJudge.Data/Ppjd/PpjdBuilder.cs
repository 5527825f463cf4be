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
    /// <paramref name="outDir"/>. Pairs are generated, edited and PNG-encoded in parallel in windows of
    /// 4 × cores and written in order, so the output is identical on any machine and memory stays flat.
    /// <paramref name="progress"/> gets the number of pairs written after each window. <paramref name="editKinds"/>
    /// restricts the edits (default: all of <see cref="SceneEditor.Kinds"/>); a scene none of them applies to is
    /// redrawn from the next derived seed. Scenes are always drawn at the <paramref name="options"/> size, so the
    /// shapes, edits and records do not depend on <paramref name="imageSize"/>; a positive
    /// <paramref name="imageSize"/> stores each image area-averaged to that size squared, the pixels a model of that
    /// input size reads (0 keeps the drawn size).
    /// </summary>
    public static PpjdDatasetInfo BuildSynthetic(string outDir, int count, ulong seed = 20261122,
        SceneOptions? options = null, IProgress<int>? progress = null, IReadOnlyList<string>? editKinds = null,
        int imageSize = 0, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(imageSize);
        foreach (var kind in editKinds ?? [])
        {
            if (!SceneEditor.Kinds.Contains(kind))
            {
                throw new ArgumentException(
                    $"unknown edit kind '{kind}'; valid: {string.Join(", ", SceneEditor.Kinds)}", nameof(editKinds));
            }
        }

        var generator = new SceneGenerator(options);
        using var writer = new PpjdWriter(outDir);
        int window = 4 * Environment.ProcessorCount;
        var prepared = new PreparedPair[window];
        for (int start = 0; start < count; start += window)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(window, count - start);
            Parallel.For(0, n, k =>
            {
                int i = start + k;
                ulong pairSeed = HashRng.Derive(seed, (ulong)i);
                var edit = SceneEditor.TryEdit(generator.Generate(pairSeed), pairSeed, editKinds);
                for (ulong retry = 1; edit is null; retry++)
                {
                    if (retry > 256)
                    {
                        throw new ArgumentException(
                            $"none of the edits [{string.Join(", ", editKinds!)}] applies to 256 scenes in a row; " +
                            "allow more kinds or change the scene options", nameof(editKinds));
                    }

                    pairSeed = HashRng.Derive(pairSeed, retry);
                    edit = SceneEditor.TryEdit(generator.Generate(pairSeed), pairSeed, editKinds);
                }

                prepared[k] = PpjdWriter.Prepare(edit, pairSeed, i, imageSize);
            });
            for (int k = 0; k < n; k++)
            {
                writer.Add(prepared[k]);
                prepared[k] = null!;
            }

            progress?.Report(start + n);
        }

        return writer.Complete("ppjd-synthetic", "synthetic", seed);
    }
}
