namespace PerceptionJudge.Torch;

/// <summary>Library-wide entry points: availability, seeding, grad mode and scopes, live-handle counts.</summary>
public static class LibTorch
{
    /// <summary>
    /// True when libpjtorch and libtorch load; otherwise <paramref name="reason"/> says why and how to fix.
    /// </summary>
    public static bool TryLoad(out string reason) => Native.TryLoad(out reason);

    /// <summary>Loads the native library or throws a <see cref="TorchException"/> naming the Debian packages.</summary>
    public static void EnsureLoaded() => Native.EnsureLoaded();

    /// <summary>libtorch's version (major, minor) as compiled into the shim.</summary>
    public static Version Version
    {
        get
        {
            Native.EnsureLoaded();
            Native.Check(Native.pj_version(out _, out var major, out var minor));
            return new Version(major, minor);
        }
    }

    /// <summary>True when the loaded libtorch has CUDA and a GPU is visible.</summary>
    public static bool CudaIsAvailable
    {
        get
        {
            Native.EnsureLoaded();
            Native.Check(Native.pj_cuda_is_available(out var available));
            return available != 0;
        }
    }

    /// <summary>Managed tensor handles not yet released (a leak test compares this before and after).</summary>
    public static long LiveTensors => TensorHandle.Live;

    /// <summary>Native <c>pj_tensor</c> handles not yet freed, as counted inside the shim.</summary>
    public static long NativeLiveTensors
    {
        get
        {
            Native.EnsureLoaded();
            Native.Check(Native.pj_live_tensors(out var count));
            return count;
        }
    }

    /// <summary>True when autograd records ops on this thread.</summary>
    public static bool IsGradEnabled
    {
        get
        {
            Native.EnsureLoaded();
            Native.Check(Native.pj_grad_mode_get(out var enabled));
            return enabled != 0;
        }
    }

    /// <summary>Seeds libtorch's global CPU generator (dropout). Tensor factories take their own seed.</summary>
    public static void ManualSeed(ulong seed)
    {
        Native.EnsureLoaded();
        Native.Check(Native.pj_manual_seed(seed));
    }

    /// <summary>Sets libtorch's intra-op thread count (at::set_num_threads).</summary>
    public static void SetNumThreads(int threads)
    {
        Native.EnsureLoaded();
        Native.Check(Native.pj_set_num_threads(threads));
    }

    /// <summary>Opens a <see cref="NoGradScope"/> (torch.no_grad()).</summary>
    public static NoGradScope NoGrad() => new();

    /// <summary>Opens a <see cref="DisposeScope"/> nested in the current one (torch.NewDisposeScope()).</summary>
    public static DisposeScope NewDisposeScope() => new();
}
