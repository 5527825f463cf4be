using System.Runtime.InteropServices;
using TorchSharp;
using TS = TorchSharp.torch.Tensor;

namespace PerceptionJudge.Torch;

/// <summary>
/// A libtorch tensor, a thin owner of one <see cref="torch.Tensor"/> (PyTorch names: <see cref="Shape"/>,
/// <see cref="Dtype"/>, <see cref="RequiresGrad"/>, <see cref="Backward"/>, <see cref="Grad"/>, <see cref="Detach"/>,
/// ...). Frees its native tensor on <see cref="Dispose"/> or when the enclosing <see cref="DisposeScope"/> does. Ops
/// never dispose their inputs and always return fresh tensors (DESIGN.md, style 7). <see cref="Torch"/> is the
/// TorchSharp tensor itself, for code that calls TorchSharp directly.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private static long s_live;
    private TS? _value;
    private long[]? _shape;
    private DType? _dtype;

    /// <summary>Takes ownership of <paramref name="value"/> (a TorchSharp tensor nothing else disposes).</summary>
    private Tensor(TS value)
    {
        _value = value;
        Interlocked.Increment(ref s_live);
        DisposeScope.Register(this);
    }

    /// <summary>The safety net, not the plan: the TorchSharp tensor's own finalizer frees the native tensor; this one
    /// keeps <see cref="LibTorch.LiveTensors"/> right.</summary>
    ~Tensor()
    {
        if (_value is not null)
        {
            Interlocked.Decrement(ref s_live);
        }
    }

    internal static long Live => Interlocked.Read(ref s_live);

    internal DisposeScope? Scope { get; set; }

    /// <summary>The TorchSharp tensor this one owns (valid until <see cref="Dispose"/>; do not dispose it).</summary>
    public TS Torch => _value ?? throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed");

    /// <summary>True once the native tensor is freed.</summary>
    public bool IsDisposed => _value is null;

    /// <summary>Number of dimensions.</summary>
    public int Dim => ShapeCache.Length;

    /// <summary>The sizes of each dimension (a copy).</summary>
    public long[] Shape => (long[])ShapeCache.Clone();

    /// <summary>Number of elements.</summary>
    public long Numel => Torch.numel();

    /// <summary>The element type.</summary>
    public DType Dtype => _dtype ??= DTypeInfo.FromScalarType(Torch.dtype);

    /// <summary>Where the tensor lives.</summary>
    public DeviceType Device => Torch.device_type == TorchSharp.DeviceType.CUDA ? DeviceType.Cuda : DeviceType.Cpu;

    /// <summary>Element strides of each dimension.</summary>
    public long[] Strides => Torch.stride();

    /// <summary>True when the elements are dense in row-major order.</summary>
    public bool IsContiguous => Torch.is_contiguous();

    /// <summary>Whether autograd tracks this tensor (settable on leaves).</summary>
    public bool RequiresGrad
    {
        get => Torch.requires_grad;
        set
        {
            if (!Torch.is_leaf)
            {
                throw new TorchException(
                    "you can only change requires_grad flags of leaf variables; use detach()", 2);
            }
            Call(() => Torch.requires_grad = value);
        }
    }

    /// <summary>
    /// The accumulated gradient, or null before any backward. Each read returns a fresh tensor sharing the gradient's
    /// storage, owned like any op result (by the current dispose scope, or by the caller).
    /// </summary>
    public Tensor? Grad => Torch.grad is { } grad ? Own(grad) : null;

    private long[] ShapeCache => _shape ??= Torch.shape;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim) => ShapeCache[dim < 0 ? dim + Dim : dim];

    /// <summary>Frees the native tensor now and leaves its dispose scope. Safe to call twice.</summary>
    public void Dispose()
    {
        Scope?.Forget(this);
        Scope = null;
        var value = Interlocked.Exchange(ref _value, null);
        if (value is not null)
        {
            value.Dispose();
            Interlocked.Decrement(ref s_live);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Moves this tensor to the enclosing dispose scope (or to none) and returns it.</summary>
    public Tensor MoveToOuterDisposeScope() => Scope is null ? this : Scope.MoveToOuter(this);

    /// <summary>Takes this tensor out of its dispose scope (parameters); the caller disposes it.</summary>
    public Tensor DetachFromDisposeScope() => Scope is null ? this : Scope.DetachFromScope(this);

    /// <summary>Runs autograd from here; <paramref name="grad"/> is d loss / d this (null: 1 for a scalar).</summary>
    public void Backward(Tensor? grad = null, bool retainGraph = false)
    {
        var self = Torch;
        var seed = grad?.Torch;
        Call(() => self.backward(seed is null ? null : [seed], create_graph: false, retain_graph: retainGraph));
    }

    /// <summary>Drops the accumulated gradient (param.grad = None).</summary>
    public void ZeroGrad()
    {
        var self = Torch;
        Call(() => self.grad = null);
    }

    /// <summary>A tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor Detach() => Op(Torch, t => t.detach());

    /// <summary>A copy with its own storage (autograd-tracked).</summary>
    public Tensor Clone() => Op(Torch, t => t.clone());

    /// <summary>This tensor as <paramref name="dtype"/> (a fresh tensor even when the type matches).</summary>
    public Tensor To(DType dtype)
    {
        var type = dtype.ToScalarType();
        return Op(Torch, t => t.to_type(type));
    }

    /// <summary>This tensor on another device (index -1: the current one).</summary>
    public Tensor To(DeviceType device, int index = -1)
    {
        var type = device switch
        {
            DeviceType.Cpu => TorchSharp.DeviceType.CPU,
            DeviceType.Cuda => TorchSharp.DeviceType.CUDA,
            _ => throw new TorchException($"unknown device type {(int)device}", 2),
        };
        return Op(Torch, t => t.to(type, index));
    }

    /// <summary>A contiguous tensor with the same values (shares storage when already contiguous).</summary>
    public Tensor Contiguous() => Op(Torch, t => t.contiguous());

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        var self = Torch;
        return Call(() =>
        {
            using var scalar = self.ToScalar();
            return scalar.ToDouble();
        });
    }

    /// <summary>Copies the elements to a new array (any layout or device).</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        CheckElementType<T>();
        var self = Torch;
        if (self.device_type == TorchSharp.DeviceType.CPU && self.is_contiguous())
        {
            return MemoryMarshal.Cast<byte, T>(self.bytes).ToArray();
        }
        return Call(() =>
        {
            using var scope = torch.NewDisposeScope();
            return MemoryMarshal.Cast<byte, T>(self.to(TorchSharp.DeviceType.CPU).contiguous().bytes).ToArray();
        });
    }

    /// <summary>
    /// The tensor's own memory as a span (zero-copy), so kernels read and write libtorch storage directly. Needs a
    /// contiguous CPU tensor whose dtype matches <typeparamref name="T"/>; valid while this tensor is alive. Writes
    /// bypass autograd, as an optimizer step under no_grad does.
    /// </summary>
    public Span<T> AsSpan<T>()
        where T : unmanaged
    {
        CheckElementType<T>();
        var self = Torch;
        if (self.device_type != TorchSharp.DeviceType.CPU)
        {
            throw new TorchException($"AsSpan needs a CPU tensor; this one is on {Device}");
        }
        if (!self.is_contiguous())
        {
            throw new TorchException("AsSpan needs a contiguous tensor; call Contiguous() first");
        }
        var numel = self.numel();
        if (numel > int.MaxValue)
        {
            throw new TorchException($"AsSpan: {numel} elements exceed a span's length");
        }
        // TorchSharp's bytes: a span over data_ptr() (storage offset included) of numel × element size.
        return MemoryMarshal.Cast<byte, T>(self.bytes);
    }

    /// <summary>Copies <paramref name="source"/> into this tensor in place, without autograd (copy_).</summary>
    public Tensor Copy_(Tensor source)
    {
        var (self, src) = (Torch, source.Torch);
        InPlace(() => self.copy_(src));
        return this;
    }

    /// <summary>this += alpha * other in place, without autograd (add_).</summary>
    public Tensor Add_(Tensor other, double alpha = 1)
    {
        var (self, o) = (Torch, other.Torch);
        InPlace(() =>
        {
            using var a = alpha.ToScalar();
            self.add_(o, a);
        });
        return this;
    }

    /// <summary>this *= value in place, without autograd (mul_).</summary>
    public Tensor Mul_(double value)
    {
        var self = Torch;
        InPlace(() =>
        {
            using var v = value.ToScalar();
            self.mul_(v);
        });
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>, without autograd (fill_).</summary>
    public Tensor Fill_(double value)
    {
        var self = Torch;
        InPlace(() =>
        {
            using var v = value.ToScalar();
            self.fill_(v);
        });
        return this;
    }

    /// <summary>Sets every element to zero, without autograd (zero_).</summary>
    public Tensor Zero_()
    {
        var self = Torch;
        InPlace(() => self.zero_());
        return this;
    }

    /// <summary>Writes this tensor's values with libtorch's <c>torch::save</c> (TorchSharp's <c>torch.save</c>).</summary>
    public void Save(string path)
    {
        var self = Torch;
        Call(() =>
        {
            using var scope = torch.NewDisposeScope();
            torch.save(self.detach().to(TorchSharp.DeviceType.CPU).contiguous(), path);
        });
    }

    /// <summary>Reads a tensor written by <see cref="Save"/> (libtorch's <c>torch::load</c>).</summary>
    public static Tensor Load(string path)
    {
        TorchRuntime.EnsureLoaded();
        if (!File.Exists(path))
        {
            throw new TorchException($"cannot open {path}", 2);
        }
        return Own(Call(() => torch.load(path)));
    }

    /// <inheritdoc/>
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor[{string.Join(", ", ShapeCache)}] {Dtype}";

    /// <summary>Wraps a fresh TorchSharp tensor, taking it out of any TorchSharp dispose scope: ours owns it now.</summary>
    internal static Tensor Own(TS value)
    {
        value.DetachFromDisposeScope();
        return new Tensor(value);
    }

    /// <summary>Runs one TorchSharp op on <paramref name="input"/> and owns its result; libtorch errors become
    /// <see cref="TorchException"/>.</summary>
    internal static Tensor Op(TS input, Func<TS, TS> op) => Own(Call(() => op(input)));

    /// <summary>Runs <paramref name="op"/>, turning libtorch's errors into <see cref="TorchException"/> (status 1,
    /// without the C++ backtrace) and TorchSharp's argument checks into status 2.</summary>
    internal static T Call<T>(Func<T> op)
    {
        try
        {
            return op();
        }
        catch (ExternalException e)
        {
            throw new TorchException(Clean(e.Message), 1);
        }
        catch (ArgumentException e)
        {
            throw new TorchException(e.Message, 2);
        }
    }

    internal static void Call(Action op) => Call(() =>
    {
        op();
        return 0;
    });

    // In-place updates bypass autograd (an optimizer step, a kernel's write), as in a torch.no_grad() block. TorchSharp's
    // in-place ops return a fresh handle to the same tensor; the scope frees it.
    private static void InPlace(Action op)
    {
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            Call(op);
        }
    }

    // libtorch's messages carry "Exception raised from ..." and a frame list after the first line(s).
    private static string Clean(string message)
    {
        var cut = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf("frame #", StringComparison.Ordinal);
        }
        return (cut < 0 ? message : message[..cut]).Trim();
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
