using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// HF <c>Qwen2MLP</c> (SwiGLU, Shazeer 2020): down_proj(silu(gate_proj(x)) · up_proj(x)), no biases. Children
/// <c>gate_proj</c>, <c>up_proj</c> [I, H] and <c>down_proj</c> [H, I].
/// </summary>
public sealed class Qwen2Mlp : Module
{
    /// <summary>An MLP shaped by <paramref name="config"/>, weights from <paramref name="init"/>.</summary>
    public Qwen2Mlp(ModelConfig config, Initializer init)
    {
        GateProj = RegisterModule("gate_proj", init.Linear(config.HiddenSize, config.IntermediateSize, bias: false));
        UpProj = RegisterModule("up_proj", init.Linear(config.HiddenSize, config.IntermediateSize, bias: false));
        DownProj = RegisterModule("down_proj", init.Linear(config.IntermediateSize, config.HiddenSize, bias: false));
    }

    /// <summary>H → I, through SiLU.</summary>
    public Linear GateProj { get; }

    /// <summary>H → I, linear.</summary>
    public Linear UpProj { get; }

    /// <summary>I → H.</summary>
    public Linear DownProj { get; }

    /// <summary>x [..., H] → [..., H].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        var hidden = Ops.Mul(Ops.Silu(GateProj.Forward(x)), UpProj.Forward(x));
        return DownProj.Forward(hidden).MoveToOuterDisposeScope();
    }
}
