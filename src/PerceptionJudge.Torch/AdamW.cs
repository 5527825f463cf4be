using TorchSharp;
using TS = TorchSharp.torch.Tensor;

namespace PerceptionJudge.Torch;

/// <summary>
/// libtorch's <c>torch::optim::AdamW</c> (C++ API, <c>adamw.cpp</c>; the same update as PyTorch's
/// <c>torch.optim.AdamW</c> with amsgrad off, foreach off), written as the same sequence of libtorch ops, stepping
/// the given parameters in place. With t the step count:
/// <code>
/// p ← p·(1 − lr·wd)                           decoupled weight decay
/// m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
/// p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
/// </code>
/// The optimizer keeps m, v (libtorch tensors) and t, and updates the parameters' own storage; keep the parameters
/// alive while stepping. Unlike libtorch, <see cref="Step"/> refuses a parameter without a gradient instead of
/// skipping it. Owns its state tensors; free them with <see cref="Dispose"/>.
/// </summary>
public sealed class AdamW : IDisposable
{
    private static long s_live;
    private static long s_nativeLive;
    private readonly Tensor[] _parameters;
    private readonly double _lr, _beta1, _beta2, _eps, _weightDecay;
    private TS?[]? _expAvg, _expAvgSq;
    private long _step;
    private bool _disposed;

    /// <summary>
    /// Creates the optimizer over <paramref name="parameters"/> (floating-point leaf tensors with
    /// <see cref="Tensor.RequiresGrad"/> set). Defaults are PyTorch's. Bad hyper-parameters are refused with
    /// libtorch's checks (AdamWOptions).
    /// </summary>
    public AdamW(
        IReadOnlyList<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        TorchRuntime.EnsureLoaded();
        _parameters = Check(parameters, "adamw");
        for (var i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i].Torch;
            if (!p.is_floating_point())
            {
                throw new TorchException($"adamw: params[{i}] must be a floating-point tensor", 2);
            }
            if (!p.is_leaf || !p.requires_grad)
            {
                throw new TorchException($"adamw: params[{i}] must be a leaf tensor with requires_grad set " +
                    "(detach it and set RequiresGrad)", 2);
            }
        }
        // torch::optim::AdamW's constructor checks, with its messages.
        Require(lr >= 0, $"Invalid learning rate: {lr}");
        Require(eps >= 0, $"Invalid epsilon value: {eps}");
        Require(beta1 is >= 0 and < 1, $"Invalid beta parameter at index 0: {beta1}");
        Require(beta2 is >= 0 and < 1, $"Invalid beta parameter at index 1: {beta2}");
        Require(weightDecay >= 0, $"Invalid weight_decay value: {weightDecay}");
        (_lr, _beta1, _beta2, _eps, _weightDecay) = (lr, beta1, beta2, eps, weightDecay);
        Interlocked.Increment(ref s_live);
        Interlocked.Increment(ref s_nativeLive);
    }

    /// <summary>Optimizers created and not yet disposed.</summary>
    public static long Live => Interlocked.Read(ref s_live);

    /// <summary>Optimizers whose native state (m, v) is not yet freed.</summary>
    public static long NativeLive => Interlocked.Read(ref s_nativeLive);

    /// <summary>True once the optimizer's state is freed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>
    /// One AdamW step from each parameter's current <see cref="Tensor.Grad"/>. Throws <see cref="TorchException"/>
    /// naming the first parameter without a gradient (nothing is updated then).
    /// </summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var grads = Grads(_parameters, "step");
        try
        {
            _step++;
            _expAvg ??= new TS?[_parameters.Length];
            _expAvgSq ??= new TS?[_parameters.Length];
            double bias1 = 1 - Math.Pow(_beta1, _step), bias2 = 1 - Math.Pow(_beta2, _step);
            double stepSize = _lr / bias1, bias2Sqrt = Math.Sqrt(bias2);
            using var noGrad = torch.no_grad();
            for (var i = 0; i < _parameters.Length; i++)
            {
                var (p, g) = (_parameters[i].Torch, grads[i]);
                var m = _expAvg[i] ??= torch.zeros_like(p).DetachFromDisposeScope();
                var v = _expAvgSq[i] ??= torch.zeros_like(p).DetachFromDisposeScope();
                Tensor.Call(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    p.mul_(1 - _lr * _weightDecay);
                    m.mul_(_beta1).add_(g, 1 - _beta1);
                    v.mul_(_beta2).addcmul_(g, g, 1 - _beta2);
                    var denom = (v.sqrt() / bias2Sqrt).add_(_eps);
                    p.addcdiv_(m, denom, -stepSize);
                });
            }
        }
        finally
        {
            foreach (var g in grads)
            {
                g.Dispose();
            }
        }
    }

    /// <summary>libtorch 1.13's <c>Optimizer::zero_grad</c>: zeroes every defined gradient in place.</summary>
    public void ZeroGrad()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope(); // the grads' handles and zero_'s returned handles
        foreach (var parameter in _parameters)
        {
            parameter.Torch.grad?.zero_();
        }
    }

    /// <summary>Frees the optimizer's state now. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var state in (_expAvg ?? []).Concat(_expAvgSq ?? []))
        {
            state?.Dispose();
        }
        Interlocked.Decrement(ref s_live);
        Interlocked.Decrement(ref s_nativeLive);
    }

    /// <summary>
    /// <c>torch.nn.utils.clip_grad_norm_</c> (libtorch's C++ version, L2): total = √Σ‖g_i‖², every gradient scaled in
    /// place by min(1, maxNorm / (total + 1e-6)); returns the pre-clip total. Run with <c>error_if_nonfinite</c>, so a
    /// NaN/Inf total throws <see cref="TorchException"/> and leaves the gradients as they were; a parameter without a
    /// gradient throws too (libtorch would skip it).
    /// </summary>
    public static double ClipGradNorm(IReadOnlyList<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        TorchRuntime.EnsureLoaded();
        var grads = Grads(Check(parameters, "clip_grad_norm"), "clip_grad_norm");
        try
        {
            if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
            {
                throw new TorchException(
                    $"clip_grad_norm: max_norm must be finite and positive, got {maxNorm}", 2);
            }
            return Tensor.Call(() =>
            {
                using var noGrad = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                var norms = grads.Select(g => g.norm(2f)).ToArray();
                var total = norms.Length == 1 ? norms[0] : torch.stack(norms).norm(2f);
                var value = total.ToDouble();
                if (!double.IsFinite(value))
                {
                    throw new TorchException($"The total norm of order 2 for gradients from {grads.Length} " +
                        $"parameters is non-finite ({value}), so it cannot be clipped", 2);
                }
                var coefficient = (maxNorm / (total + 1e-6)).clamp_max(1.0);
                foreach (var g in grads)
                {
                    g.mul_(coefficient);
                }
                return value;
            });
        }
        finally
        {
            foreach (var g in grads)
            {
                g.Dispose();
            }
        }
    }

    private static Tensor[] Check(IReadOnlyList<Tensor> parameters, string op)
    {
        if (parameters.Count == 0)
        {
            throw new TorchException($"{op}: needs at least one parameter", 2);
        }
        var list = parameters.ToArray();
        foreach (var p in list)
        {
            _ = p.Torch; // a disposed parameter throws ObjectDisposedException here
        }
        return list;
    }

    // Each parameter's .grad (fresh handles the caller disposes); the first one missing is an argument error.
    private static TS[] Grads(Tensor[] parameters, string op)
    {
        var grads = new List<TS>(parameters.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Torch.grad is not { } grad)
            {
                foreach (var g in grads)
                {
                    g.Dispose();
                }
                throw new TorchException($"{op}: params[{i}] has no .grad; run backward before stepping (libtorch " +
                    "would skip it silently)", 2);
            }
            grads.Add(grad.DetachFromDisposeScope());
        }
        return [.. grads];
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new TorchException(message, 1);
        }
    }
}
