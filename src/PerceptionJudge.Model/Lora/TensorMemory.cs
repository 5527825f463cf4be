using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// A libtorch tensor's float32 storage as <see cref="Memory{T}"/>, zero-copy, so the optimizer kernels
/// (<see cref="Kernels.Optim.ParamSlot"/>) read and write libtorch memory directly. The storage lives outside the
/// managed heap, so pinning is a no-op; this object keeps the tensor reachable while the memory is in use. Valid
/// while the tensor is alive and its storage is not replaced.
/// </summary>
internal sealed unsafe class TensorMemory : MemoryManager<float>
{
    private readonly Tensor _tensor;
    private readonly float* _data;
    private readonly int _length;

    private TensorMemory(Tensor tensor, Span<float> storage)
    {
        _tensor = tensor;
        _data = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(storage));
        _length = storage.Length;
    }

    /// <summary>
    /// Wraps <paramref name="tensor"/>, which must be a contiguous float32 CPU tensor; otherwise throws
    /// <see cref="ModelException"/> naming <paramref name="name"/> (what it is, e.g. "grad of ...") and the fix.
    /// </summary>
    public static TensorMemory Over(Tensor tensor, string source, string name)
    {
        if (tensor.Dtype != DType.Float32)
        {
            throw new ModelException(
                source, name, $"is {tensor.Dtype}; the fused optimizer updates float32 tensors only (keep LoRA f32)");
        }
        if (tensor.Device != DeviceType.Cpu)
        {
            throw new ModelException(
                source, name, $"is on {tensor.Device}; the fused optimizer reads host memory (move it to the CPU)");
        }
        if (!tensor.IsContiguous)
        {
            throw new ModelException(source, name, "is not contiguous; the fused optimizer needs dense storage");
        }
        return new TensorMemory(tensor, tensor.AsSpan<float>());
    }

    /// <summary>The tensor whose storage this is.</summary>
    public Tensor Tensor => _tensor;

    /// <inheritdoc/>
    public override Span<float> GetSpan() => new(_data, _length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(_data + elementIndex);
    }

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
    }
}
