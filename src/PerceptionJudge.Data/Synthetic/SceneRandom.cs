using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Synthetic;

/// <summary>
/// A counter-based random stream over <see cref="HashRng"/>: draw k of stream s is Mix(s, k), so a scene is a pure
/// function of its seed on every platform and .NET version (System.Random makes no such promise).
/// </summary>
internal sealed class SceneRandom(ulong seed)
{
    private ulong _counter;

    public ulong NextULong() => HashRng.Mix(seed, _counter++);

    /// <summary>Uniform integer in [lo, hi).</summary>
    public int Next(int lo, int hi) => lo + (int)(NextULong() % (ulong)(hi - lo));

    /// <summary>Uniform float in [0, 1).</summary>
    public float NextFloat() => (NextULong() >> 40) * (1f / (1 << 24));

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];
}
