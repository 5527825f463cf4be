using PerceptionJudge.Torch;

namespace PerceptionJudge.Bench;

/// <summary>
/// The libtorch operands of a benchmark class's <c>Torch</c> method: the same math op by op through libtorch
/// (what a TorchSharp or PyTorch-eager user writes), on tensors copied from the class's arrays once in setup.
/// Each Torch method runs inside a dispose scope that frees its intermediates; the operands are freed in cleanup.
/// libtorch uses its own intra-op thread pool (all cores by default), the same thread count as our kernels.
/// </summary>
public abstract class TorchBench : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private static string s_reason = "";

    /// <summary>Thrown by a Torch benchmark when libtorch could not be loaded (BenchmarkDotNet reports it).</summary>
    public static InvalidOperationException Missing =>
        new($"libtorch is not available ({s_reason}); build the solution so PerceptionJudge.Torch fills its TorchSharp runtime folder");

    /// <summary>Builds the operands, or returns null (with the reason kept for <see cref="Missing"/>) when libtorch
    /// cannot be loaded, so the other benchmarks of the class still run.</summary>
    public static T? TryCreate<T>(Func<T> create)
        where T : TorchBench
    {
        if (!LibTorch.TryLoad(out var reason))
        {
            s_reason = reason;
            return null;
        }

        return create();
    }

    /// <summary>Keeps <paramref name="t"/> until <see cref="Dispose()"/>.</summary>
    protected Tensor Own(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the owned tensors.</summary>
    protected virtual void Dispose(bool disposing)
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }

        _owned.Clear();
    }
}
