using TorchSharp;

namespace PerceptionJudge.Torch;

/// <summary>Library-wide entry points: availability, seeding, threads, grad mode and scopes, live-tensor counts.
/// </summary>
public static class LibTorch
{
    private static readonly object s_threadGate = new();
    private static bool s_interopThreadsSet;

    /// <summary>
    /// True when TorchSharp and libtorch load from the shared runtime folder; otherwise <paramref name="reason"/> says
    /// what was looked for and how to fix it.
    /// </summary>
    public static bool TryLoad(out string reason) => TorchRuntime.TryLoad(out reason);

    /// <summary>Loads the natives or throws one <see cref="TorchException"/> naming the folder and the fix.</summary>
    public static void EnsureLoaded() => TorchRuntime.EnsureLoaded();

    /// <summary>The folder the natives load from (build-time stamp, or <c>PJ_TORCH_RUNTIME</c>).</summary>
    public static string RuntimeFolder => TorchRuntime.Folder;

    /// <summary>libtorch's version (major, minor) that TorchSharp reports.</summary>
    public static Version Version
    {
        get
        {
            EnsureLoaded();
            var parts = torch.__version__.Split('.', '+');
            return new Version(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>True when the loaded libtorch has CUDA and a GPU is visible.</summary>
    public static bool CudaIsAvailable
    {
        get
        {
            EnsureLoaded();
            return torch.cuda.is_available();
        }
    }

    /// <summary>Our <see cref="Tensor"/>s created and not yet disposed (a leak test compares this before and after).
    /// </summary>
    public static long LiveTensors => Tensor.Live;

    /// <summary>TorchSharp tensors (native handles) not yet freed, as TorchSharp counts them.</summary>
    public static long NativeLiveTensors
    {
        get
        {
            EnsureLoaded();
            return torch.Tensor.TotalCount;
        }
    }

    /// <summary>True when autograd records ops on this thread.</summary>
    public static bool IsGradEnabled
    {
        get
        {
            EnsureLoaded();
            return torch.is_grad_enabled();
        }
    }

    /// <summary>Seeds libtorch's global CPU generator (dropout). Tensor factories take their own seed.</summary>
    public static void ManualSeed(ulong seed)
    {
        EnsureLoaded();
        Tensor.Call(() => torch.manual_seed(unchecked((long)seed)));
    }

    /// <summary>
    /// The process's one thread policy: libtorch's intra-op pool (OpenMP, which its BLAS and every parallel kernel
    /// use) gets <paramref name="threads"/> threads, and so does its inter-op pool the first time (libtorch fixes that
    /// one once parallel work has started). One thread gives the same bits on any machine, since a split reduction's
    /// order depends on the thread count.
    /// </summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        EnsureLoaded();
        lock (s_threadGate)
        {
            Tensor.Call(() => torch.set_num_threads(threads));
            if (!s_interopThreadsSet)
            {
                s_interopThreadsSet = true;
                try
                {
                    torch.set_num_interop_threads(threads);
                }
                catch (System.Runtime.InteropServices.ExternalException)
                {
                    // Parallel work already started: libtorch keeps its inter-op pool; eager code does not use it.
                }
            }
        }
    }

    /// <summary>libtorch's intra-op thread count.</summary>
    public static int Threads
    {
        get
        {
            EnsureLoaded();
            return torch.get_num_threads();
        }
    }

    /// <summary>Opens a <see cref="NoGradScope"/> (torch.no_grad()).</summary>
    public static NoGradScope NoGrad() => new();

    /// <summary>Opens a <see cref="DisposeScope"/> nested in the current one (torch.NewDisposeScope()).</summary>
    public static DisposeScope NewDisposeScope() => new();
}
