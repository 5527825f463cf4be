using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// A low-rank (or other) update attached to a <see cref="Linear"/>: <c>y = base + Delta(x)</c>. LoRA implements it;
/// an adapter that is disabled returns the base output unchanged.
/// </summary>
public interface ILinearAdapter
{
    /// <summary>Given the layer input and the frozen layer's output, returns the adapted output.</summary>
    Tensor Apply(Tensor input, Tensor baseOutput);
}
