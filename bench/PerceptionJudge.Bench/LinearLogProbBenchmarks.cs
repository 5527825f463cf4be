using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Bench;

/// <summary>
/// LM-head log-prob + entropy, forward and backward (d hidden; d W too when <see cref="WeightGrad"/>), for a
/// Qwen2-0.5B-like head: H = 896, V = 32768 (Qwen2's 151936 cut to fit 2 cores), N = 1024 tokens, T = 1, upstream
/// gradients d entropy = −0.01 and d logp = 1/N per token. Three ways, same math:
/// <list type="bullet">
/// <item><see cref="FullLogits"/> (baseline): <c>Ops.Linear</c> → [N, V] logits, the fused <see cref="LogProbCpu"/>
/// forward and backward (a second [N, V] buffer for d logits), then <c>dH = dX·W</c> (and <c>dW = dXᵀ·H</c>).</item>
/// <item><see cref="TorchOpByOp"/>: libtorch autograd through linear → log_softmax → gather and
/// <c>−Σ exp(ls)·ls</c> (what verl computes without its fused kernel), then <c>loss.Backward()</c>.</item>
/// <item><see cref="Chunked"/>: <see cref="LinearLogProb"/> with 256 × 4096 blocks: never more than one block of
/// logits. One more matmul than the baseline (the backward recomputes each block).</item>
/// </list>
/// Flops per call: 2NVH per matmul (2 matmuls baseline without dW, 3 with; chunked 3 / 4).
/// Memory columns: <c>Logits temp</c> is the largest logits-shaped temporary (N·V·4 bytes for the full paths,
/// TokenChunk·VocabChunk·4 for chunked); <c>Peak RSS Δ</c> is measured in the benchmark's own process (BenchmarkDotNet
/// runs each case in a fresh one): <c>/proc/self/status</c> VmHWM at the end minus VmRSS after the setup, with the
/// high-water mark reset after setup by writing 5 to <c>/proc/self/clear_refs</c> (Linux ≥ 4.0). It counts the
/// native (libtorch) memory the managed MemoryDiagnoser cannot see; the outputs (dH [N, H], dW [V, H]) are included.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(LinearLogProbMemoryConfig))]
public class LinearLogProbBenchmarks
{
    private static readonly LinearLogProbOptions s_options = new(1f, 256, 4096);
    private readonly LogProbCpu _cpu = new();
    private Tensor? _hidden, _weight, _labelIndex, _gradEntropyT, _gradLogProbT;
    private int[] _labels = [];
    private float[] _gradEntropy = [], _gradLogProb = [], _entropy = [], _logProb = [];
    private long _rssAfterSetup;
    private string _method = "none";

    [Params(1024)]
    public int Tokens { get; set; }

    [Params(896)]
    public int Hidden { get; set; }

    [Params(32768)]
    public int Vocab { get; set; }

    [Params(false, true)]
    public bool WeightGrad { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        LibTorch.EnsureLoaded();
        var rng = new Random(20261122);
        _labels = Enumerable.Range(0, Tokens).Select(_ => rng.Next(Vocab)).ToArray();
        _gradEntropy = Enumerable.Repeat(-0.01f, Tokens).ToArray();
        _gradLogProb = Enumerable.Repeat(1f / Tokens, Tokens).ToArray();
        using (var scope = LibTorch.NewDisposeScope())
        {
            _hidden = Tensor.Randn([Tokens, Hidden], 1).DetachFromDisposeScope();
            _weight = Ops.Mul(Tensor.Randn([Vocab, Hidden], 2), 0.05).DetachFromDisposeScope();
            _labelIndex = Tensor.From<long>(_labels.Select(x => (long)x).ToArray(), Tokens, 1).DetachFromDisposeScope();
            _gradEntropyT = Tensor.From<float>(_gradEntropy, Tokens).DetachFromDisposeScope();
            _gradLogProbT = Tensor.From<float>(_gradLogProb, Tokens).DetachFromDisposeScope();
        }

        _entropy = new float[Tokens];
        _logProb = new float[Tokens];
        _rssAfterSetup = PeakMemory.ResetAndReadRss();
    }

    // BenchmarkDotNet runs each case in its own process, so the whole process's high-water mark belongs to it.
    [GlobalCleanup]
    public void Cleanup()
    {
        long peak = PeakMemory.ReadKiB("VmHWM:") - _rssAfterSetup;
        PeakMemory.Record(PeakMemory.Key(_method, Tokens, Vocab, WeightGrad), peak);
        foreach (var t in new[] { _hidden, _weight, _labelIndex, _gradEntropyT, _gradLogProbT })
        {
            t?.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public void FullLogits()
    {
        _method = nameof(FullLogits);
        using var scope = LibTorch.NewDisposeScope();
        using var noGrad = LibTorch.NoGrad();
        var logits = Ops.Linear(_hidden!, _weight!);
        var gradLogits = Tensor.Empty([Tokens, Vocab]);
        var x = logits.AsSpan<float>();
        _cpu.Forward(x, _labels, Tokens, Vocab, 1f, _entropy, _logProb);
        _cpu.Backward(x, _labels, Tokens, Vocab, 1f, _gradEntropy, _gradLogProb, gradLogits.AsSpan<float>());
        _ = Ops.MatMul(gradLogits, _weight!);
        if (WeightGrad)
        {
            _ = Ops.MatMul(gradLogits.Transpose(0, 1), _hidden!);
        }
    }

    [Benchmark]
    public void TorchOpByOp()
    {
        _method = nameof(TorchOpByOp);
        using var scope = LibTorch.NewDisposeScope();
        var h = _hidden!.Detach();
        var w = _weight!.Detach();
        h.RequiresGrad = true;
        w.RequiresGrad = WeightGrad;
        var logSoftmax = Ops.LogSoftmax(Ops.Linear(h, w), -1);
        var logProb = Ops.Gather(logSoftmax, 1, _labelIndex!).Reshape(Tokens);
        var entropy = Ops.Neg(Ops.Sum(Ops.Mul(Ops.Exp(logSoftmax), logSoftmax), [1]));
        var loss = Ops.Add(Ops.Sum(Ops.Mul(logProb, _gradLogProbT!)), Ops.Sum(Ops.Mul(entropy, _gradEntropyT!)));
        loss.Backward();
    }

    [Benchmark]
    public void Chunked()
    {
        _method = nameof(Chunked);
        using var scope = LibTorch.NewDisposeScope();
        var result = LinearLogProb.Forward(_hidden!, _weight!, _labels, s_options);
        _ = LinearLogProb.Gradients(_hidden!, _weight!, result, _gradEntropy, _gradLogProb, WeightGrad);
    }

    /// <summary>Bytes of the largest logits-shaped temporary of each method (the Logits temp column).</summary>
    internal static long LogitsTempBytes(string method, int tokens, int vocab) =>
        method == nameof(Chunked) ? s_options.BlockBytes : (long)tokens * vocab * sizeof(float);
}

/// <summary>Adds the two memory columns of <see cref="LinearLogProbBenchmarks"/> to whatever config runs it.</summary>
public sealed class LinearLogProbMemoryConfig : ManualConfig
{
    public LinearLogProbMemoryConfig() => AddColumn(new MemoryColumn(peak: false), new MemoryColumn(peak: true));

    /// <summary>Logits temp (analytic) or Peak RSS Δ (measured in the case's process, read back from a file).</summary>
    private sealed class MemoryColumn(bool peak) : IColumn
    {
        public string Id => peak ? "PeakRssDelta" : "LogitsTemp";

        public string ColumnName => peak ? "Peak RSS Δ" : "Logits temp";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => peak ? 1 : 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Size;

        public string Legend => peak
            ? "VmHWM at the end minus VmRSS after setup, in the case's own process (native memory included)"
            : "Largest logits-shaped temporary: N·V·4 bytes for the full paths, one block for Chunked";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            // A joined summary (ConfigOptions.JoinSummary) also lists other classes' cases.
            if (benchmarkCase.Descriptor.Type != typeof(LinearLogProbBenchmarks))
            {
                return "-";
            }

            string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
            int tokens = (int)benchmarkCase.Parameters["Tokens"];
            int vocab = (int)benchmarkCase.Parameters["Vocab"];
            bool weightGrad = (bool)benchmarkCase.Parameters["WeightGrad"];
            if (!peak)
            {
                return MiB(LinearLogProbBenchmarks.LogitsTempBytes(method, tokens, vocab));
            }

            long? kib = PeakMemory.Read(PeakMemory.Key(method, tokens, vocab, weightGrad));
            return kib is long k ? MiB(k * 1024) : "n/a";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        private static string MiB(long bytes) =>
            (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
    }
}

/// <summary>Peak resident memory of this process from /proc/self/status, and a hand-off file per case.</summary>
internal static class PeakMemory
{
    private static readonly string s_folder = Path.Combine(Path.GetTempPath(), "pj-bench-peak-rss");

    /// <summary>Resets VmHWM to the current RSS where the kernel allows it; returns VmHWM (KiB) after it.</summary>
    public static long ResetAndReadRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"// clear_refs not writable ({e.Message}): the peak includes the setup's own peak");
        }

        return ReadKiB("VmHWM:");
    }

    /// <summary>A field of /proc/self/status in KiB (0 where the file does not exist).</summary>
    public static long ReadKiB(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    // The case's process runs a generated subclass, so the key names the method and parameters, not the type.
    public static string Key(string method, int tokens, int vocab, bool weightGrad) =>
        $"LinearLogProb-{method}-{tokens}-{vocab}-{weightGrad}";

    public static void Record(string key, long kib)
    {
        Directory.CreateDirectory(s_folder);
        File.WriteAllText(Path.Combine(s_folder, key + ".txt"), kib.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine($"// Peak RSS delta {key}: {kib / 1024.0:0.0} MiB");
    }

    public static long? Read(string key)
    {
        var path = Path.Combine(s_folder, key + ".txt");
        return File.Exists(path) ? long.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture) : null;
    }
}
