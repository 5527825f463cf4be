using BenchmarkDotNet.Attributes;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Bench;

/// <summary>
/// Judge rewards and edit distance over one rollout-sized batch of <see cref="Rows"/> pre-built strings.
/// <list type="bullet">
/// <item>Batch-ranking reward, n = 5: each row reads a judge generation (~60–90 UTF-16 chars: a short think block
/// and an answer in one of the accepted formats, 1 in 11 malformed) and a 5-letter ground truth, and writes a
/// 4 B reward: about 2·(75 + 5) + 4 ≈ 164 B per row (<see cref="BytesPerRow"/> gives the exact mean).</item>
/// <item>Levenshtein: pairs of 8..40-char ASCII strings, ~2·2·24 ≈ 96 B read per pair; compute-bound (bit-parallel
/// O(⌈m/64⌉·n) vs the O(mn) DP).</item>
/// </list>
/// Triad (baseline) moves 12 B per float element and runs over arrays sized so that it moves the same bytes as the
/// batch-ranking input. No "eager" variant: parsing and DP are not expressible as whole-array TensorPrimitives ops.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchConfig.KernelCategory)]
public class RankingBenchmarks
{
    private readonly RankingCpu _cpu = new();
    private readonly RankingReference _reference = new();
    private string[] _solutions = [];
    private string[] _truths = [];
    private float[] _rewards = [];
    private string[] _left = [];
    private string[] _right = [];
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>(prediction, truth) rows, and Levenshtein pairs.</summary>
    [Params(1_000_000)]
    public int Rows { get; set; }

    /// <summary>Mean bytes read and written per batch-ranking row (set in setup).</summary>
    public double BytesPerRow { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261122);
        _solutions = new string[Rows];
        _truths = new string[Rows];
        _rewards = new float[Rows];
        _left = new string[Rows];
        _right = new string[Rows];
        long bytes = 0;
        for (int i = 0; i < Rows; i++)
        {
            _truths[i] = Shuffle(rng, "ABCDE");
            _solutions[i] = Generation(rng, Shuffle(rng, "ABCDE"), i);
            bytes += 2L * (_solutions[i].Length + _truths[i].Length) + sizeof(float);
            _left[i] = RandomText(rng, rng.Next(8, 41));
            _right[i] = rng.Next(3) == 0 ? RandomText(rng, rng.Next(8, 41)) : Edit(rng, _left[i]);
        }

        BytesPerRow = (double)bytes / Rows;
        int triad = (int)(bytes / 12);
        _a = new float[triad];
        _b = Enumerable.Range(0, triad).Select(i => (float)i).ToArray();
        _c = Enumerable.Range(0, triad).Select(i => 1f / (i + 1)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public void Triad() => PerceptionJudge.Bench.Triad.Run(_a, _b, _c, 0.5f);

    [Benchmark]
    public float BatchRankingCpu()
    {
        _cpu.BatchRankingReward(_solutions, _truths, _rewards);
        return _rewards[^1];
    }

    [Benchmark]
    public float BatchRankingReference()
    {
        _reference.BatchRankingReward(_solutions, _truths, _rewards);
        return _rewards[^1];
    }

    [Benchmark]
    public long LevenshteinCpu()
    {
        long total = 0;
        for (int i = 0; i < _left.Length; i++)
        {
            total += _cpu.Levenshtein(_left[i], _right[i]);
        }

        return total;
    }

    [Benchmark]
    public long LevenshteinReference()
    {
        long total = 0;
        for (int i = 0; i < _left.Length; i++)
        {
            total += _reference.Levenshtein(_left[i], _right[i]);
        }

        return total;
    }

    private static string Shuffle(Random rng, string letters)
    {
        var c = letters.ToCharArray();
        rng.Shuffle(c);
        return new string(c);
    }

    private static string Generation(Random rng, string order, int i)
    {
        string Score(char l) => (5 - order.IndexOf(l, StringComparison.Ordinal)).ToString();
        string answer = (i % 11) switch
        {
            0 => "3, 3, 1, 2, 4",
            1 or 2 => order,
            3 or 4 => string.Join(" > ", order.ToCharArray()),
            5 or 6 or 7 => string.Join(", ", "ABCDE".Select(Score)),
            _ => string.Join(", ", "ABCDE".Select(l => $"{l}: {Score(l)}")),
        };
        return $"<think>Response {order[0]} is sharper.</think> <answer>{answer}</answer>";
    }

    private static string RandomText(Random rng, int length)
    {
        var c = new char[length];
        for (int i = 0; i < length; i++)
        {
            c[i] = (char)('a' + rng.Next(26));
        }

        return new string(c);
    }

    private static string Edit(Random rng, string s)
    {
        var c = s.ToCharArray();
        for (int e = rng.Next(1, 6); e > 0; e--)
        {
            c[rng.Next(c.Length)] = (char)('a' + rng.Next(26));
        }

        return new string(c);
    }
}
