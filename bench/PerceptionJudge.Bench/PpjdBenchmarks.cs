using BenchmarkDotNet.Attributes;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Bench;

/// <summary>
/// PPJD throughput at 448×448: each benchmark makes <see cref="Pairs"/> image pairs and reports time per pair
/// (OperationsPerInvoke), so pairs/second = 1 / mean. SceneEditSingle is the baseline: generate a scene and apply
/// its semantic edit on one thread (one pair = two 448²×3 float images, 4.8 MB written). SceneEditParallel runs the
/// same pairs with Parallel.For (speed-up = cores used). SceneEditPng adds the PNG encoding of both images, single
/// threaded (the CPU-heavy half of one build step). BuildStep is the whole <c>pjudge ppjd build --synthetic</c>
/// path: parallel generate + edit + encode + hash, then in-order writes of images and manifest to a temp folder.
/// </summary>
[MemoryDiagnoser]
public class PpjdBenchmarks
{
    private const int BatchPairs = 16;
    private readonly SceneGenerator _generator = new(new SceneOptions(448, 448));
    private string _dir = "";

    [Params(BatchPairs)]
    public int Pairs { get; set; }

    [GlobalSetup]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "pj-bench-ppjd-" + Environment.ProcessId);

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchPairs)]
    public int SceneEditSingle()
    {
        int check = 0;
        for (int i = 0; i < Pairs; i++)
        {
            check += Pair(i).Perturbed.Planes.Length;
        }

        return check;
    }

    [Benchmark(OperationsPerInvoke = BatchPairs)]
    public int SceneEditParallel()
    {
        var sizes = new int[Pairs];
        Parallel.For(0, Pairs, i => sizes[i] = Pair(i).Perturbed.Planes.Length);
        return sizes.Sum();
    }

    [Benchmark(OperationsPerInvoke = BatchPairs)]
    public int SceneEditPng()
    {
        int bytes = 0;
        for (int i = 0; i < Pairs; i++)
        {
            var edit = Pair(i);
            bytes += ImageCodec.EncodePng(edit.Original.ToImage()).Length;
            bytes += ImageCodec.EncodePng(edit.Perturbed.ToImage()).Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = BatchPairs)]
    public int BuildStep() => PpjdBuilder.BuildSynthetic(_dir, Pairs, 20261122).Records;

    private SceneEdit Pair(int i)
    {
        ulong seed = HashRng.Derive(20261122, (ulong)i);
        return SceneEditor.Edit(_generator.Generate(seed), seed);
    }
}
