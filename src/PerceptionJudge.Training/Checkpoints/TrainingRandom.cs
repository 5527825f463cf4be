using System.Numerics;

namespace PerceptionJudge.Training.Checkpoints;

/// <summary>
/// The trainer's deterministic random stream: xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear pseudorandom
/// number generators", 2018; reference C code xoshiro256starstar.c), seeded through SplitMix64 as its authors advise.
/// Its whole state is four ulongs (<see cref="State"/>), so a checkpoint saves it and a resumed run continues the
/// very same stream. Not thread-safe; not for cryptography.
/// </summary>
public sealed class TrainingRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>A stream whose state is four SplitMix64 outputs from <paramref name="seed"/>.</summary>
    public TrainingRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>Continues the stream of a saved <paramref name="state"/>, which must not be all zero.</summary>
    public TrainingRandom(RngState state)
    {
        if (state.IsAllZero)
        {
            throw new ArgumentException("xoshiro256** cannot run from the all-zero state", nameof(state));
        }
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
    }

    /// <summary>The current state; <c>new TrainingRandom(State)</c> continues with the same numbers.</summary>
    public RngState State => new(_s0, _s1, _s2, _s3);

    /// <summary>
    /// SplitMix64 (Steele, Lea and Flood 2014; Vigna's splitmix64.c): adds the golden gamma to
    /// <paramref name="x"/> and returns the mixed value.
    /// </summary>
    public static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits: rotl(s1 · 5, 7) · 9, then the xoshiro state step.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A double uniform in [0, 1): the top 53 bits times 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// An int uniform in [0, <paramref name="maxExclusive"/>), without modulo bias: Lemire's multiply-and-reject
    /// ("Fast random integer generation in an interval", 2019) on the top 32 bits of each draw.
    /// </summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        uint range = (uint)maxExclusive;
        ulong product = (NextUInt64() >> 32) * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (0u - range) % range;
            while (low < threshold)
            {
                product = (NextUInt64() >> 32) * range;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    /// <summary>An int uniform in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int minInclusive, int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(minInclusive, maxExclusive);
        long span = (long)maxExclusive - minInclusive;
        if (span <= int.MaxValue)
        {
            return minInclusive + Next((int)span);
        }
        ulong draw;
        do
        {
            draw = NextUInt64() >> 31;
        }
        while (draw >= (ulong)span);
        return (int)(minInclusive + (long)draw);
    }

    /// <summary>Fisher–Yates shuffle in place, from the last item down (Knuth's Algorithm P).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Fisher–Yates shuffle of a list in place; the same draws as the span overload.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
