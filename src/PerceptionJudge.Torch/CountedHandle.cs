using System.Runtime.InteropServices;

namespace PerceptionJudge.Torch;

/// <summary>
/// A SafeHandle over one shim object (0 = invalid) that counts the live handles of each <typeparamref name="TSelf"/>
/// for leak tests. The owner frees it deterministically; the SafeHandle finalizer is only the safety net.
/// </summary>
public abstract class CountedHandle<TSelf> : SafeHandle
    where TSelf : CountedHandle<TSelf>
{
    private static long s_live;

    /// <summary>An invalid handle (used by the marshaller).</summary>
    protected CountedHandle()
        : base(0, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="handle"/> and counts it live.</summary>
    private protected CountedHandle(nint handle)
        : base(0, ownsHandle: true)
    {
        SetHandle(handle);
        Interlocked.Increment(ref s_live);
    }

    /// <summary>Handles of this type created and not yet released.</summary>
    public static long Live => Interlocked.Read(ref s_live);

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The shim's free function for this object; 0 on success.</summary>
    private protected abstract int Free(nint handle);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        Interlocked.Decrement(ref s_live);
        return Free(handle) == 0;
    }
}
