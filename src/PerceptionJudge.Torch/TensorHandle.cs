namespace PerceptionJudge.Torch;

/// <summary>
/// Owns one <c>pj_tensor*</c>. Freed deterministically by <see cref="Tensor.Dispose"/> (directly or through a
/// <see cref="DisposeScope"/>); the SafeHandle finalizer is only the safety net. Counts live handles for leak tests.
/// </summary>
public sealed class TensorHandle : CountedHandle<TensorHandle>
{
    /// <summary>The invalid handle passed for an absent optional tensor (a NULL pointer in C).</summary>
    internal static readonly TensorHandle Null = new();

    /// <summary>An invalid handle (used by the marshaller and for <see cref="Null"/>).</summary>
    public TensorHandle()
    {
    }

    internal TensorHandle(nint handle)
        : base(handle)
    {
    }

    private protected override int Free(nint handle) => Native.pj_tensor_free(handle);
}
