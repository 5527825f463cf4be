namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Counter-based randomness: every draw is a pure function of (seed, counter), so results never depend on
/// thread count or visiting order. The mixer is SplitMix64's finaliser (Steele, Lea, Flood 2014,
/// "Fast splittable pseudorandom number generators"), applied to seed + (counter + 1)·φ64.
/// </summary>
public static class HashRng
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>64 well-mixed bits for (seed, counter).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong seed, ulong counter)
    {
        ulong z = seed + (counter + 1) * Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform float in [0, 1) from the top 24 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(ulong seed, ulong counter) => (Mix(seed, counter) >> 40) * (1f / (1 << 24));

    /// <summary>
    /// A standard-normal-like draw: the Irwin–Hall sum of four 16-bit uniforms from one hash, centred and scaled
    /// to unit variance, n = (Σu − 2)·√3. Mean 0, variance 1, support ±2√3 (tails beyond 3.46σ are cut),
    /// which is what image noise needs and costs one hash instead of log/cos.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Normal(ulong seed, ulong counter)
    {
        ulong h = Mix(seed, counter);
        uint s = (uint)(h & 0xFFFF) + (uint)((h >> 16) & 0xFFFF) + (uint)((h >> 32) & 0xFFFF) + (uint)(h >> 48);
        return (s * (1f / 65535f) - 2f) * 1.7320508f;
    }

    /// <summary>
    /// <see cref="Normal"/> for counters c0 … c0+7 in one Vector256: the same integer mixing on 64-bit lanes
    /// (vpmullq where AVX-512DQ is present) and the same float operations, so every lane equals the scalar draw.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Normal8(ulong seed, ulong c0)
    {
        var lo = Mix4(seed, c0);
        var hi = Mix4(seed, c0 + 4);
        var sum = Vector256.Narrow(Fields(lo), Fields(hi)).AsInt32();
        return (Vector256.ConvertToSingle(sum) * Vector256.Create(1f / 65535f) - Vector256.Create(2f))
            * Vector256.Create(1.7320508f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mix4(ulong seed, ulong c0)
    {
        var c = Vector256.Create(c0 + 1) + Vector256.Create(0UL, 1UL, 2UL, 3UL);
        var z = Vector256.Create(seed) + c * Vector256.Create(Golden);
        z = (z ^ Vector256.ShiftRightLogical(z, 30)) * Vector256.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector256.ShiftRightLogical(z, 27)) * Vector256.Create(0x94D049BB133111EBUL);
        return z ^ Vector256.ShiftRightLogical(z, 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Fields(Vector256<ulong> h)
    {
        var m = Vector256.Create(0xFFFFUL);
        return (h & m) + (Vector256.ShiftRightLogical(h, 16) & m) + (Vector256.ShiftRightLogical(h, 32) & m)
            + Vector256.ShiftRightLogical(h, 48);
    }

    /// <summary>A derived seed for image <paramref name="index"/> of a batch or op <paramref name="index"/>.</summary>
    public static ulong Derive(ulong seed, ulong index) => Mix(seed ^ 0xD1B54A32D192ED03UL, index);
}
