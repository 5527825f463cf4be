using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// Seeded parameter initialisation with HF <c>PreTrainedModel._init_weights</c> semantics for Qwen2: linear and
/// embedding weights N(0, initializer_range²), biases 0, norm weights 1 (LayerNorm biases 0). Every tensor draws from
/// its own seed, SplitMix64(seed, n) for the n-th tensor requested, so the same seed and construction order give the
/// same bits. <see cref="Empty"/> makes zeros instead (a model about to be loaded from a checkpoint).
/// </summary>
public sealed class Initializer
{
    private readonly ulong _seed;
    private readonly bool _random;
    private ulong _counter;

    /// <summary>Draws normal weights with standard deviation <paramref name="std"/> (HF initializer_range).</summary>
    public Initializer(ulong seed, double std = 0.02)
    {
        if (!double.IsFinite(std) || std < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(std), std, "initializer std must be finite and >= 0");
        }
        _seed = seed;
        Std = std;
        _random = true;
    }

    private Initializer()
    {
        _random = false;
    }

    /// <summary>Zeros everywhere except norm weights (ones): fast construction before loading weights.</summary>
    public static Initializer Empty => new();

    /// <summary>Standard deviation of the normal weights.</summary>
    public double Std { get; }

    /// <summary>N(0, std²) draws (zeros for <see cref="Empty"/>).</summary>
    public Tensor Normal(params long[] shape)
    {
        var seed = NextSeed();
        if (!_random)
        {
            return Tensor.Zeros(shape);
        }
        using var scope = LibTorch.NewDisposeScope();
        return Ops.Mul(Tensor.Randn(shape, seed), Std).MoveToOuterDisposeScope();
    }

    /// <summary>All zeros (biases).</summary>
    public static Tensor Zeros(params long[] shape) => Tensor.Zeros(shape);

    /// <summary>All ones (norm weights).</summary>
    public static Tensor Ones(params long[] shape) => Tensor.Ones(shape);

    /// <summary>A <see cref="Nn.Linear"/> [out, in] with normal weight and, when asked, a zero bias.</summary>
    public Linear Linear(long inFeatures, long outFeatures, bool bias) =>
        new(Normal(outFeatures, inFeatures), bias ? Zeros(outFeatures) : null);

    // SplitMix64 (Steele et al. 2014) over seed + n·golden ratio: independent streams per tensor.
    private ulong NextSeed()
    {
        var z = _seed + ++_counter * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
