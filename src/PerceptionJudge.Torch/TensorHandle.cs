using System.Runtime.InteropServices;

namespace PerceptionJudge.Torch;

/// <summary>
/// Owns one <c>pj_tensor*</c>. Freed deterministically by <see cref="Tensor.Dispose"/> (directly or through a
/// <see cref="DisposeScope"/>); the SafeHandle finalizer is only the safety net. Counts live handles for leak tests.
/// </summary>
public sealed class TensorHandle : SafeHandle
{
    private static long s_live;

    /// <summary>The invalid handle passed for an absent optional tensor (a NULL pointer in C).</summary>
    internal static readonly TensorHandle Null = new();

    /// <summary>An invalid handle (used by the marshaller and for <see cref="Null"/>).</summary>
    public TensorHandle()
        : base(0, ownsHandle: true)
    {
    }

    internal TensorHandle(nint handle)
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
        return Native.pj_tensor_free(handle) == 0;
    }
}
