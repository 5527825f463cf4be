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

    /// <summary>A derived seed for image <paramref name="index"/> of a batch or op <paramref name="index"/>.</summary>
    public static ulong Derive(ulong seed, ulong index) => Mix(seed ^ 0xD1B54A32D192ED03UL, index);
}
