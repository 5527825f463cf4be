using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Vision;

/// <summary>
/// The projector into the decoder, named as Qwen2-VL's <c>merger</c> (without its 2×2 patch merge): the ViT's final
/// LayerNorm <c>ln_q</c>, then <c>mlp.0</c> (D → H), GELU, <c>mlp.2</c> (H → H), both with bias (LLaVA-1.5's
/// 2-layer MLP projector).
/// </summary>
public sealed class PatchMerger : Module
{
    /// <summary>A projector from ViT width <paramref name="visionWidth"/> to <paramref name="width"/>.</summary>
    public PatchMerger(long visionWidth, long width, double eps, Initializer init)
    {
        LnQ = RegisterModule("ln_q", LayerNorm.Create(visionWidth, eps));
        var first = init.Linear(visionWidth, width, bias: true);
        var second = init.Linear(width, width, bias: true);
        Mlp = RegisterModule("mlp", new ProjectorMlp(first, second));
    }

    /// <summary>The ViT's final norm.</summary>
    public LayerNorm LnQ { get; }

    /// <summary>The two linear layers.</summary>
    public ProjectorMlp Mlp { get; }

    /// <summary>x [..., D] → [..., H].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        return Mlp.Forward(LnQ.Forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// <c>nn.Sequential(Linear, GELU, Linear)</c> with PyTorch's positional names: children <c>0</c> and <c>2</c>
/// (the GELU at index 1 has no parameters).
/// </summary>
public sealed class ProjectorMlp : Module
{
    /// <summary>Takes ownership of both layers.</summary>
    public ProjectorMlp(Linear first, Linear second)
    {
        First = RegisterModule("0", first);
        Second = RegisterModule("2", second);
    }

    /// <summary>Child <c>0</c>.</summary>
    public Linear First { get; }

    /// <summary>Child <c>2</c>.</summary>
    public Linear Second { get; }

    /// <summary>second(gelu(first(x))), exact GELU.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        return Second.Forward(Ops.Gelu(First.Forward(x))).MoveToOuterDisposeScope();
    }
}
