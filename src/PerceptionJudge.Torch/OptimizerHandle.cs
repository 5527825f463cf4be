using System.Runtime.InteropServices;

namespace PerceptionJudge.Torch;

/// <summary>
/// Owns one <c>pj_optim*</c> (a libtorch optimizer with its state). Freed deterministically by
/// <see cref="AdamW.Dispose"/>; the SafeHandle finalizer is only the safety net. Counts live handles for leak tests.
/// </summary>
public sealed class OptimizerHandle : SafeHandle
{
    private static long s_live;

    /// <summary>An invalid handle (used by the marshaller).</summary>
    public OptimizerHandle()
        : base(0, ownsHandle: true)
    {
    }

    internal OptimizerHandle(nint handle)
        : base(0, ownsHandle: true)
    {
        SetHandle(handle);
        Interlocked.Increment(ref s_live);
    }

    /// <summary>Handles created and not yet released.</summary>
    public static long Live => Interlocked.Read(ref s_live);

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        Interlocked.Decrement(ref s_live);
        return Native.pj_optim_free(handle) == 0;
    }
}
