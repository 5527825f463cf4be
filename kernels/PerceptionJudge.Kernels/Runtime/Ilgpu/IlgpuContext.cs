using System.Numerics;
using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace PerceptionJudge.Kernels.Runtime.Ilgpu;

/// <summary>
/// One ILGPU accelerator with what the family backends need around it:
/// <list type="bullet">
/// <item>kernels compiled once per accelerator and cached by entry point (<see cref="Kernel{TArgs}"/>); every
/// kernel takes its thread index and one argument struct of views and scalars;</item>
/// <item>device buffers pooled by slot name (<see cref="Buffer{T}"/>): a slot keeps its buffer across calls and grows
/// to the next power of two only when a call needs more, so a training step allocates nothing after the first;</item>
/// <item>copies only at the public call boundary (<see cref="Upload{T}"/>, <see cref="Download{T}"/>).</item>
/// </list>
/// The pool and the kernels are shared, so a public call holds <see cref="Gate"/> from its first upload to its last
/// download.
/// </summary>
public sealed class IlgpuContext : IDisposable
{
    private const long MinimumBuffer = 256;
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Dictionary<MethodInfo, Delegate> _kernels = [];
    private readonly Dictionary<string, MemoryBuffer> _buffers = new(StringComparer.Ordinal);

    private IlgpuContext(Context context, Accelerator accelerator)
    {
        _context = context;
        _accelerator = accelerator;
    }

    /// <summary>Held by a public call for its whole duration: the buffer pool and the stream are shared.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The accelerator's name, as <c>pjudge info</c> prints it.</summary>
    public string DeviceName => $"{_accelerator.AcceleratorType}: {_accelerator.Name}";

    /// <summary>True on ILGPU's CPU accelerator (the test device).</summary>
    public bool IsCpu => _accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>Device buffers allocated so far (the pool's growth; constant once a workload has run once).</summary>
    public int Allocations { get; private set; }

    /// <summary>Kernels compiled so far on this accelerator.</summary>
    public int CompiledKernels => _kernels.Count;

    /// <summary>A context on the first CUDA device of <paramref name="context"/> (which it then owns).</summary>
    internal static IlgpuContext CreateCuda(Context context) =>
        new(context, context.CreateCudaAccelerator(0));

    /// <summary>A context on ILGPU's CPU accelerator (parallel mode: one .NET thread per core).</summary>
    public static IlgpuContext CreateCpu()
    {
        var context = Context.Create(builder => builder.CPU().EnableAlgorithms().Optimize(OptimizationLevel.O1));
        return new(context, context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel));
    }

    /// <summary>
    /// The loaded kernel for <paramref name="entry"/> (a static method: thread index, then one argument struct),
    /// compiled on first use and cached for the accelerator's life. The returned launcher runs over
    /// <c>threads</c> threads on the default stream; zero threads launch nothing.
    /// </summary>
    internal Action<long, TArgs> Kernel<TArgs>(Action<Index1D, TArgs> entry)
        where TArgs : struct
    {
        if (!_kernels.TryGetValue(entry.Method, out var loaded))
        {
            loaded = _accelerator.LoadAutoGroupedStreamKernel(entry);
            _kernels.Add(entry.Method, loaded);
        }

        var launch = (Action<Index1D, TArgs>)loaded;
        return (threads, args) =>
        {
            if (threads > 0)
            {
                launch(new Index1D(checked((int)threads)), args);
            }
        };
    }

    /// <summary>
    /// A device view of <paramref name="length"/> elements from the pool slot <paramref name="slot"/>; the slot's
    /// buffer is reused while it is large enough and replaced by one of the next power of two (at least 256
    /// elements) when it is not. Contents are undefined.
    /// </summary>
    internal ArrayView<T> Buffer<T>(string slot, long length)
        where T : unmanaged
    {
        if (!_buffers.TryGetValue(slot, out var buffer) || buffer.Length < length
            || buffer is not MemoryBuffer1D<T, Stride1D.Dense>)
        {
            buffer?.Dispose();
            long size = Math.Max(MinimumBuffer, (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, length)));
            buffer = _accelerator.Allocate1D<T>(size);
            _buffers[slot] = buffer;
            Allocations++;
        }

        return ((MemoryBuffer1D<T, Stride1D.Dense>)buffer).View.SubView(0, length).AsContiguous();
    }

    /// <summary>Copies <paramref name="data"/> into the pool slot <paramref name="slot"/> and returns its view.</summary>
    internal ArrayView<T> Upload<T>(string slot, ReadOnlySpan<T> data)
        where T : unmanaged
    {
        var view = Buffer<T>(slot, data.Length);
        if (!data.IsEmpty)
        {
            view.CopyFromCPU(data);
        }

        return view;
    }

    /// <summary>
    /// Copies <paramref name="parts"/> one after another into the pool slot <paramref name="slot"/> (a multi-tensor
    /// call's tensors concatenated, no host staging) and returns the whole view.
    /// </summary>
    internal ArrayView<T> UploadParts<T>(string slot, ReadOnlySpan<ReadOnlyMemory<T>> parts)
        where T : unmanaged
    {
        long total = 0;
        foreach (var part in parts)
        {
            total += part.Length;
        }

        var view = Buffer<T>(slot, total);
        long at = 0;
        foreach (var part in parts)
        {
            if (!part.IsEmpty)
            {
                view.SubView(at, part.Length).CopyFromCPU(part.Span);
            }

            at += part.Length;
        }

        return view;
    }

    /// <summary>Waits for the launched kernels, then copies consecutive pieces of <paramref name="view"/> back into
    /// <paramref name="parts"/> (the inverse of <see cref="UploadParts{T}"/>).</summary>
    internal void DownloadParts<T>(ArrayView<T> view, ReadOnlySpan<Memory<T>> parts)
        where T : unmanaged
    {
        _accelerator.Synchronize();
        long at = 0;
        foreach (var part in parts)
        {
            if (!part.IsEmpty)
            {
                view.SubView(at, part.Length).CopyToCPU(part.Span);
            }

            at += part.Length;
        }
    }

    /// <summary>Waits for the launched kernels, then copies <paramref name="view"/> into <paramref name="target"/>
    /// (the lengths must match).</summary>
    internal void Download<T>(ArrayView<T> view, Span<T> target)
        where T : unmanaged
    {
        _accelerator.Synchronize();
        if (!target.IsEmpty)
        {
            view.CopyToCPU(target);
        }
    }

    /// <summary>Frees the pooled buffers, the accelerator and the ILGPU context.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            foreach (var buffer in _buffers.Values)
            {
                buffer.Dispose();
            }

            _buffers.Clear();
            _kernels.Clear();
            _accelerator.Dispose();
            _context.Dispose();
        }
    }
}
