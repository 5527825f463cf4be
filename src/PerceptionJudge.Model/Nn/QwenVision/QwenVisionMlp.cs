using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// The vision blocks' MLP. qwen2_vl (HF <c>VisionMlp</c>): <c>fc2</c>(act(<c>fc1</c>(x))); qwen2_5_vl (HF
/// <c>Qwen2_5_VLMLP</c>, bias=True): <c>down_proj</c>(act(<c>gate_proj</c>(x)) · <c>up_proj</c>(x)). All with bias.
/// </summary>
public sealed class QwenVisionMlp : Module
{
    private readonly Linear? _fc1, _fc2, _gate, _up, _down;

    /// <summary>The MLP of <paramref name="config"/>'s type: D → MlpHidden → D.</summary>
    public QwenVisionMlp(QwenVisionConfig config, Initializer init)
    {
        Activation = config.HiddenAct;
        int d = config.EmbedDim, inner = config.MlpHidden;
        if (config.IsQwen25)
        {
            _gate = RegisterModule("gate_proj", init.Linear(d, inner, bias: true));
            _up = RegisterModule("up_proj", init.Linear(d, inner, bias: true));
            _down = RegisterModule("down_proj", init.Linear(inner, d, bias: true));
        }
        else
        {
            _fc1 = RegisterModule("fc1", init.Linear(d, inner, bias: true));
            _fc2 = RegisterModule("fc2", init.Linear(inner, d, bias: true));
        }
    }

    /// <summary>HF ACT2FN name of the activation.</summary>
    public string Activation { get; }

    /// <summary>x [..., D] → [..., D].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        var y = _fc1 is not null
            ? _fc2!.Forward(Activate(_fc1.Forward(x), Activation))
            : _down!.Forward(Ops.Mul(Activate(_gate!.Forward(x), Activation), _up!.Forward(x)));
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HF ACT2FN: quick_gelu x·σ(1.702x), silu x·σ(x), gelu exact (erf), gelu_pytorch_tanh the tanh approximation.
    /// </summary>
    public static Tensor Activate(Tensor x, string activation)
    {
        using var scope = LibTorch.NewDisposeScope();
        var y = activation switch
        {
            "quick_gelu" => Ops.Mul(x, Ops.Sigmoid(Ops.Mul(x, 1.702))),
            "silu" => Ops.Silu(x),
            "gelu" => Ops.Gelu(x),
            "gelu_pytorch_tanh" => Ops.Gelu(x, tanhApproximation: true),
            _ => throw new ModelException($"vision_config.hidden_act '{activation}' is not supported"),
        };
        return y.MoveToOuterDisposeScope();
    }
}
