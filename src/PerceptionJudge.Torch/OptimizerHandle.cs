namespace PerceptionJudge.Torch;

/// <summary>
/// Owns one <c>pj_optim*</c> (a libtorch optimizer with its state). Freed deterministically by
/// <see cref="AdamW.Dispose"/>; the SafeHandle finalizer is only the safety net. Counts live handles for leak tests.
/// </summary>
public sealed class OptimizerHandle : CountedHandle<OptimizerHandle>
{
    /// <summary>An invalid handle (used by the marshaller).</summary>
    public OptimizerHandle()
    {
    }

    internal OptimizerHandle(nint handle)
        : base(handle)
    {
    }

    private protected override int Free(nint handle) => Native.pj_optim_free(handle);
}
