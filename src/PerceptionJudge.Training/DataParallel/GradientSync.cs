using PerceptionJudge.Distributed;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Grpo;

namespace PerceptionJudge.Training.DataParallel;

/// <summary>
/// Sums the trainable parameters' gradients over ranks before the optimizer step, with DDP-style buckets
/// (<see cref="GradientBucketer.AllReduceSum"/>) read and written in place in libtorch's gradient storage. Every
/// rank's loss is already divided by the global normaliser of its mini-batch, so the sum is the gradient a single
/// process would get on the whole batch, and the fused AdamW step that follows is the same on every rank.
/// </summary>
public sealed class GradientSync
{
    private readonly ICommunicator _communicator;
    private readonly (string Name, Tensor Tensor)[] _parameters;
    private readonly GradientBucketer? _bucketer;

    /// <summary>Registers <paramref name="policy"/>'s trainable tensors (a collective when K &gt; 1: the layouts are
    /// compared across ranks).</summary>
    public GradientSync(JudgePolicy policy, ICommunicator communicator)
    {
        _communicator = communicator;
        _parameters = [.. policy.Lora?.NamedAdapterParameters() ?? policy.Model.NamedParameters()];
        if (communicator.Size > 1)
        {
            _bucketer = new GradientBucketer(communicator,
                _parameters.Select(p => KeyValuePair.Create(p.Name, checked((int)p.Tensor.Numel))));
        }
    }

    /// <summary>
    /// g ← Σ_ranks g (a collective; nothing with one rank). A rank that had no rows in the mini-batch has no
    /// gradients yet: it contributes zeros (a backward of 0·Σp), so every rank ends with the same gradients.
    /// </summary>
    public void AllReduceSum()
    {
        if (_bucketer is null)
        {
            return;
        }

        using var scope = LibTorch.NewDisposeScope();
        var grads = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in _parameters)
        {
            var grad = parameter.Grad;
            if (grad is null)
            {
                Ops.Mul(parameter, 0.0).Sum().Backward();
                grad = parameter.Grad ?? throw new InvalidOperationException($"{name}: backward left no gradient");
            }

            grads[name] = grad;
        }

        _bucketer.AllReduceSum(name => grads[name].AsSpan<float>());
    }

    /// <summary>The communicator.</summary>
    public ICommunicator Communicator => _communicator;
}
