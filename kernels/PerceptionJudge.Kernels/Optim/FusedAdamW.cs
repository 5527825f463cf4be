using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Optim;

/// <summary>
/// Fused multi-tensor AdamW on <see cref="KernelBackend.Current"/>: torch.optim.AdamW (PyTorch 2.x,
/// <c>_single_tensor_adamw</c>, non-amsgrad) with <c>torch.nn.utils.clip_grad_norm_</c> fused in, as verl's actor
/// <c>_optimizer_step</c> uses them. Formulas in <see cref="OptimReference"/>.
/// </summary>
public static class FusedAdamW
{
    /// <summary>
    /// One step t = <paramref name="step"/> (1 for the first step; the caller counts, see <see cref="AdamWGroup"/>)
    /// over every slot. Pass 1 computes the global grad norm √Σ g² (double, fixed order); a non-finite norm throws
    /// <see cref="KernelInputException"/> naming the first bad tensor (<c>grads[i]</c>) before anything is written,
    /// as verl skips such a step. Pass 2 is the AdamW update with g scaled by
    /// <c>min(1, max_norm / (norm + 1e-6))</c> when <see cref="AdamWOptions.MaxGradNorm"/> is set; grads are not
    /// modified. Returns the pre-clip global norm (verl's <c>grad_norm</c> metric).
    /// </summary>
    public static double Step(ReadOnlySpan<ParamSlot> slots, int step, AdamWOptions options) =>
        Step(OptimKernels.For(KernelBackend.Current), slots, step, options);

    /// <summary><see cref="Step(ReadOnlySpan{ParamSlot}, int, AdamWOptions)"/> on a given implementation.</summary>
    public static double Step(IOptimKernels kernels, ReadOnlySpan<ParamSlot> slots, int step, AdamWOptions options)
    {
        Check(options, step);
        var grads = new ReadOnlyMemory<float>[slots.Length];
        for (int i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            int n = s.Param.Length;
            if (s.Grad.Length != n)
            {
                throw new KernelInputException(
                    "grads", $"expected {n} elements like params[{i}], got {s.Grad.Length}", i);
            }

            if (s.ExpAvg.Length != n)
            {
                throw new KernelInputException("exp_avgs", $"expected {n} elements, got {s.ExpAvg.Length}", i);
            }

            if (s.ExpAvgSq.Length != n)
            {
                throw new KernelInputException("exp_avg_sqs", $"expected {n} elements, got {s.ExpAvgSq.Length}", i);
            }

            grads[i] = s.Grad;
        }

        using var span = KernelTrace.Kernel("optim.adamw", KernelTrace.Sink is null ? 0 : 32L * TotalLength(grads));
        double norm = GradNorm.Global(kernels, grads);
        double scale = options.MaxGradNorm is double max ? GradNorm.ClipCoefficient(norm, max) : 1.0;
        if (slots.Length > 0)
        {
            kernels.AdamW(slots, options, step, scale);
        }

        return norm;
    }

    private static long TotalLength(ReadOnlySpan<ReadOnlyMemory<float>> grads)
    {
        long total = 0;
        foreach (var g in grads)
        {
            total += g.Length;
        }

        return total;
    }

    private static void Check(AdamWOptions o, int step)
    {
        if (step < 1)
        {
            throw new KernelInputException("step", $"must be at least 1 (the first step is 1), got {step}");
        }

        if (!(o.Lr >= 0) || !double.IsFinite(o.Lr))
        {
            throw new KernelInputException("lr", $"must be finite and non-negative, got {o.Lr}");
        }

        if (!(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1))
        {
            throw new KernelInputException("betas", $"each must lie in [0, 1), got ({o.Beta1}, {o.Beta2})");
        }

        if (!(o.Eps >= 0) || !double.IsFinite(o.Eps))
        {
            throw new KernelInputException("eps", $"must be finite and non-negative, got {o.Eps}");
        }

        if (!(o.WeightDecay >= 0) || !double.IsFinite(o.WeightDecay))
        {
            throw new KernelInputException("weight_decay", $"must be finite and non-negative, got {o.WeightDecay}");
        }

        if (o.MaxGradNorm is double m && !(m > 0 && double.IsFinite(m)))
        {
            throw new KernelInputException("grad_clip", $"must be finite and positive, got {m}");
        }
    }
}

/// <summary>
/// A parameter group with its step counter, as torch.optim.AdamW keeps <c>state["step"]</c>: <see cref="Step"/>
/// advances the counter only when the update happened (a non-finite grad norm throws and leaves it unchanged).
/// </summary>
public sealed class AdamWGroup
{
    private readonly ParamSlot[] _slots;

    /// <summary>Creates the group over <paramref name="slots"/> (state buffers must start as zeros).</summary>
    public AdamWGroup(IEnumerable<ParamSlot> slots, AdamWOptions options)
    {
        _slots = [.. slots];
        Options = options;
    }

    /// <summary>The hyper-parameters; replace to change the learning rate between steps (schedulers).</summary>
    public AdamWOptions Options { get; set; }

    /// <summary>Steps taken so far (torch's <c>state["step"]</c>).</summary>
    public int StepCount { get; private set; }

    /// <summary>The slots, in update order.</summary>
    public IReadOnlyList<ParamSlot> Slots => _slots;

    /// <summary>Takes step <c>StepCount + 1</c>; returns the pre-clip global grad norm.</summary>
    public double Step()
    {
        double norm = FusedAdamW.Step(_slots, StepCount + 1, Options);
        StepCount++;
        return norm;
    }
}
