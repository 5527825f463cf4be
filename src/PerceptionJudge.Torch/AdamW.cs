namespace PerceptionJudge.Torch;

/// <summary>
/// libtorch's own <c>torch::optim::AdamW</c> (C++ API, libtorch 1.13 <c>adamw.cpp</c>; the same update as PyTorch's
/// <c>torch.optim.AdamW</c> with amsgrad off), stepping the given parameters in place. With t the step count:
/// <code>
/// p ← p·(1 − lr·wd)                           decoupled weight decay
/// m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
/// p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
/// </code>
/// The optimizer keeps m, v and t natively and shares the parameters' storage: disposing a parameter's
/// <see cref="Tensor"/> does not stop the optimizer from updating it. Unlike libtorch, <see cref="Step"/> refuses a
/// parameter without a gradient instead of skipping it. Owns one native handle; free it with <see cref="Dispose"/>.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly OptimizerHandle _handle;

    /// <summary>
    /// Creates the optimizer over <paramref name="parameters"/> (floating-point leaf tensors with
    /// <see cref="Tensor.RequiresGrad"/> set). Defaults are PyTorch's. Bad hyper-parameters are rejected by libtorch.
    /// </summary>
    public unsafe AdamW(
        IReadOnlyList<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        nint raw = 0;
        WithHandles(parameters, (p, n) => Native.pj_optim_adamw_new(p, n, lr, beta1, beta2, eps, weightDecay, out raw));
        _handle = new OptimizerHandle(raw);
    }

    /// <summary>Optimizer handles created and not yet released (managed count).</summary>
    public static long Live => OptimizerHandle.Live;

    /// <summary>Native <c>pj_optim</c> handles not yet freed, as counted inside the shim.</summary>
    public static long NativeLive
    {
        get
        {
            Native.EnsureLoaded();
            Native.Check(Native.pj_live_optimizers(out var count));
            return count;
        }
    }

    /// <summary>True once the native optimizer is freed.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>
    /// One AdamW step from each parameter's current <see cref="Tensor.Grad"/>. Throws <see cref="TorchException"/>
    /// naming the first parameter without a gradient (nothing is updated then).
    /// </summary>
    public void Step() => Native.Check(Native.pj_optim_step(_handle));

    /// <summary>libtorch's <c>Optimizer::zero_grad</c> (1.13: zeroes every defined gradient in place).</summary>
    public void ZeroGrad() => Native.Check(Native.pj_optim_zero_grad(_handle));

    /// <summary>Frees the native optimizer and its state now. Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// <c>torch.nn.utils.clip_grad_norm_</c> (libtorch's C++ version, L2): total = √Σ‖g_i‖², every gradient scaled in
    /// place by min(1, maxNorm / (total + 1e-6)); returns the pre-clip total. Run with <c>error_if_nonfinite</c>, so a
    /// NaN/Inf total throws <see cref="TorchException"/> and leaves the gradients as they were; a parameter without a
    /// gradient throws too (libtorch would skip it).
    /// </summary>
    public static unsafe double ClipGradNorm(IReadOnlyList<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double total = 0;
        WithHandles(parameters, (p, n) => Native.pj_clip_grad_norm(p, n, maxNorm, out total));
        return total;
    }

    // Pins every parameter's handle for the duration of a native call that takes an array of them, then checks.
    private static unsafe void WithHandles(IReadOnlyList<Tensor> tensors, HandleArrayCall call)
    {
        var raw = new nint[tensors.Count];
        var added = 0;
        try
        {
            for (; added < raw.Length; added++)
            {
                var success = false;
                tensors[added].Handle.DangerousAddRef(ref success);
                raw[added] = tensors[added].Handle.DangerousGetHandle();
            }
            fixed (nint* p = raw)
            {
                Native.Check(call(p, raw.Length));
            }
        }
        finally
        {
            for (var i = 0; i < added; i++)
            {
                tensors[i].Handle.DangerousRelease();
            }
        }
    }

    private unsafe delegate int HandleArrayCall(nint* handles, long count);
}
