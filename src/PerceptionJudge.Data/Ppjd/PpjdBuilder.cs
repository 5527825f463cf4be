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
    /// <paramref name="progress"/> gets the number of pairs written after each window.
    /// </summary>
    public static PpjdDatasetInfo BuildSynthetic(string outDir, int count, ulong seed = 20261122,
        SceneOptions? options = null, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
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
                var edit = SceneEditor.Edit(generator.Generate(pairSeed), pairSeed);
                prepared[k] = PpjdWriter.Prepare(edit, pairSeed, i);
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
