namespace PerceptionJudge.Training.Grpo;

/// <summary>NaN or Inf at a phase boundary (loss, gradient norm); the trainer saves a checkpoint and reports the
/// step.</summary>
public sealed class NonFiniteException(int step, string what) : Exception($"step {step}: {what}")
{
    /// <summary>The step (-1 when raised below the step loop, which fills it in).</summary>
    public int Step { get; } = step;

    /// <summary>What was not finite.</summary>
    public string What { get; } = what;

    /// <summary>Whether an optimizer step of the failing RL step had already changed the weights.</summary>
    public bool WeightsChanged { get; init; }

    /// <summary>
    /// Runs <paramref name="kernelCall"/>; the kernels' NaN/Inf input check (a <see cref="Model.ModelException"/>
    /// over a <see cref="Kernels.Runtime.KernelInputException"/>, raised before anything is written) becomes a
    /// <see cref="NonFiniteException"/> of <paramref name="step"/> whose text starts with <paramref name="phase"/>.
    /// </summary>
    internal static T Guard<T>(
        Func<T> kernelCall, int step, string phase = "", bool weightsChanged = false)
    {
        try
        {
            return kernelCall();
        }
        catch (Model.ModelException e) when (e.InnerException is Kernels.Runtime.KernelInputException)
        {
            throw new NonFiniteException(step, phase + e.Message) { WeightsChanged = weightsChanged };
        }
    }
}
