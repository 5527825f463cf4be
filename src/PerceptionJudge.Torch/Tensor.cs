namespace PerceptionJudge.Torch;

/// <summary>
/// A libtorch tensor (PyTorch names: <see cref="Shape"/>, <see cref="Dtype"/>, <see cref="RequiresGrad"/>,
/// <see cref="Backward"/>, <see cref="Grad"/>, <see cref="Detach"/>, ...). Owns one native handle; free it with
/// <see cref="Dispose"/> or let the enclosing <see cref="DisposeScope"/> do it. Ops never dispose their inputs and
/// always return fresh tensors (DESIGN.md, style 7).
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private long[]? _shape;
    private DType? _dtype;

    private Tensor(nint raw)
    {
        _handle = new TensorHandle(raw);
        DisposeScope.Register(this);
    }

    internal DisposeScope? Scope { get; set; }

    internal TensorHandle Handle => _handle;

    /// <summary>True once the native tensor is freed.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Number of dimensions.</summary>
    public int Dim => ShapeCache.Length;

    /// <summary>The sizes of each dimension (a copy).</summary>
    public long[] Shape => (long[])ShapeCache.Clone();

    /// <summary>Number of elements.</summary>
    public long Numel
    {
        get
        {
            Native.Check(Native.pj_tensor_numel(_handle, out var numel));
            return numel;
        }
    }

    /// <summary>The element type.</summary>
    public DType Dtype
    {
        get
        {
            if (_dtype is null)
            {
                Native.Check(Native.pj_tensor_dtype(_handle, out var code));
                _dtype = (DType)code;
            }
            return _dtype.Value;
        }
    }

    /// <summary>Where the tensor lives.</summary>
    public DeviceType Device
    {
        get
        {
            Native.Check(Native.pj_tensor_device(_handle, out var type, out _));
            return (DeviceType)type;
        }
    }

    /// <summary>Element strides of each dimension.</summary>
    public unsafe long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            fixed (long* p = strides)
            {
                Native.Check(Native.pj_tensor_strides(_handle, p, strides.Length));
            }
            return strides;
        }
    }

    /// <summary>True when the elements are dense in row-major order.</summary>
    public bool IsContiguous
    {
        get
        {
            Native.Check(Native.pj_tensor_is_contiguous(_handle, out var contiguous));
            return contiguous != 0;
        }
    }

    /// <summary>Whether autograd tracks this tensor (settable on leaves).</summary>
    public bool RequiresGrad
    {
        get
        {
            Native.Check(Native.pj_tensor_requires_grad(_handle, out var value));
            return value != 0;
        }
        set => Native.Check(Native.pj_tensor_set_requires_grad(_handle, value ? 1 : 0));
    }

    /// <summary>
    /// The accumulated gradient, or null before any backward. Each read returns a fresh handle sharing the gradient's
    /// storage, owned like any op result (by the current dispose scope, or by the caller).
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            Native.Check(Native.pj_tensor_grad(_handle, out var raw));
            return raw == 0 ? null : new Tensor(raw);
        }
    }

    private unsafe long[] ShapeCache
    {
        get
        {
            if (_shape is null)
            {
                Native.Check(Native.pj_tensor_dim(_handle, out var ndim));
                var shape = new long[ndim];
                fixed (long* p = shape)
                {
                    Native.Check(Native.pj_tensor_shape(_handle, p, ndim));
                }
                _shape = shape;
            }
            return _shape;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim) => ShapeCache[dim < 0 ? dim + Dim : dim];

    /// <summary>Frees the native tensor now and leaves its dispose scope. Safe to call twice.</summary>
    public void Dispose()
    {
        Scope?.Forget(this);
        Scope = null;
        _handle.Dispose();
    }

    /// <summary>Moves this tensor to the enclosing dispose scope (or to none) and returns it.</summary>
    public Tensor MoveToOuterDisposeScope() => Scope is null ? this : Scope.MoveToOuter(this);

    /// <summary>Takes this tensor out of its dispose scope (parameters); the caller disposes it.</summary>
    public Tensor DetachFromDisposeScope() => Scope is null ? this : Scope.DetachFromScope(this);

    /// <summary>Runs autograd from here; <paramref name="grad"/> is d loss / d this (null: 1 for a scalar).</summary>
    public void Backward(Tensor? grad = null, bool retainGraph = false) =>
        Native.Check(Native.pj_tensor_backward(_handle, grad?._handle ?? TensorHandle.Null, retainGraph ? 1 : 0));

    /// <summary>Drops the accumulated gradient (param.grad = None).</summary>
    public void ZeroGrad() => Native.Check(Native.pj_tensor_zero_grad(_handle));

    /// <summary>A tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor Detach() => Wrap(Native.pj_tensor_detach(_handle, out var r), r);

    /// <summary>A copy with its own storage (autograd-tracked).</summary>
    public Tensor Clone() => Wrap(Native.pj_tensor_clone(_handle, out var r), r);

    /// <summary>This tensor as <paramref name="dtype"/> (a fresh handle even when the type matches).</summary>
    public Tensor To(DType dtype) => Wrap(Native.pj_tensor_to_dtype(_handle, (int)dtype, out var r), r);

    /// <summary>This tensor on another device (index -1: the current one).</summary>
    public Tensor To(DeviceType device, int index = -1) =>
        Wrap(Native.pj_tensor_to_device(_handle, (int)device, index, out var r), r);

    /// <summary>A contiguous tensor with the same values (shares storage when already contiguous).</summary>
    public Tensor Contiguous() => Wrap(Native.pj_tensor_contiguous(_handle, out var r), r);

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        Native.Check(Native.pj_tensor_item(_handle, out var value));
        return value;
    }

    /// <summary>Copies the elements to a new array (any layout or device).</summary>
    public unsafe T[] ToArray<T>()
        where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[checked((int)Numel)];
        fixed (T* p = result)
        {
            Native.Check(Native.pj_tensor_copy_to_host(_handle, p, (long)result.Length * sizeof(T)));
        }
        return result;
    }

    /// <summary>
    /// The tensor's own memory as a span (zero-copy), so kernels read and write libtorch storage directly. Needs a
    /// contiguous CPU tensor whose dtype matches <typeparamref name="T"/>; valid while this tensor is alive. Writes
    /// bypass autograd, as an optimizer step under no_grad does.
    /// </summary>
    public unsafe Span<T> AsSpan<T>()
        where T : unmanaged
    {
        CheckElementType<T>();
        if (Device != DeviceType.Cpu)
        {
            throw new TorchException($"AsSpan needs a CPU tensor; this one is on {Device}");
        }
        if (!IsContiguous)
        {
            throw new TorchException("AsSpan needs a contiguous tensor; call Contiguous() first");
        }
        var numel = Numel;
        if (numel > int.MaxValue)
        {
            throw new TorchException($"AsSpan: {numel} elements exceed a span's length");
        }
        Native.Check(Native.pj_tensor_data_ptr(_handle, out var data));
        return new Span<T>((void*)data, (int)numel);
    }

    /// <summary>Copies <paramref name="source"/> into this tensor in place, without autograd (copy_).</summary>
    public Tensor Copy_(Tensor source)
    {
        Native.Check(Native.pj_tensor_copy_(_handle, source._handle));
        return this;
    }

    /// <summary>this += alpha * other in place, without autograd (add_).</summary>
    public Tensor Add_(Tensor other, double alpha = 1)
    {
        Native.Check(Native.pj_tensor_add_(_handle, other._handle, alpha));
        return this;
    }

    /// <summary>this *= value in place, without autograd (mul_).</summary>
    public Tensor Mul_(double value)
    {
        Native.Check(Native.pj_tensor_mul_scalar_(_handle, value));
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>, without autograd (fill_).</summary>
    public Tensor Fill_(double value)
    {
        Native.Check(Native.pj_tensor_fill_(_handle, value));
        return this;
    }

    /// <summary>Sets every element to zero, without autograd (zero_).</summary>
    public Tensor Zero_()
    {
        Native.Check(Native.pj_tensor_zero_(_handle));
        return this;
    }

    /// <summary>Writes this tensor as a torch.save-compatible pickle archive (Python: torch.load(path)).</summary>
    public void Save(string path) => Native.Check(Native.pj_tensor_save(_handle, path));

    /// <summary>Reads a tensor written by <see cref="Save"/> or by Python's torch.save of one tensor.</summary>
    public static Tensor Load(string path)
    {
        Native.EnsureLoaded();
        return Wrap(Native.pj_tensor_load(path, out var r), r);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor[{string.Join(", ", ShapeCache)}] {Dtype}";

    /// <summary>Wraps the out-handle of a native call after checking its status.</summary>
    internal static Tensor Wrap(int status, nint raw)
    {
        Native.Check(status);
        return new Tensor(raw);
    }

    private void CheckElementType<T>()
        where T : unmanaged
    {
        if (!DTypeInfo.Matches<T>(Dtype))
        {
            throw new TorchException($"element type {typeof(T).Name} does not match the tensor's dtype {Dtype}");
        }
    }
}
