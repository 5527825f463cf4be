using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// HF <c>Qwen2DecoderLayer</c>, pre-norm residual: h = x + self_attn(input_layernorm(x)); out = h +
/// mlp(post_attention_layernorm(h)).
/// </summary>
public sealed class Qwen2DecoderLayer : Module
{
    /// <summary>Layer <paramref name="layerIndex"/> shaped by <paramref name="config"/>.</summary>
    public Qwen2DecoderLayer(ModelConfig config, Initializer init, int layerIndex)
    {
        SelfAttention = RegisterModule("self_attn", new Qwen2Attention(config, init, layerIndex));
        Mlp = RegisterModule("mlp", new Qwen2Mlp(config, init));
        InputLayerNorm = RegisterModule(
            "input_layernorm", new RmsNorm(Initializer.Ones(config.HiddenSize), config.RmsNormEps));
        PostAttentionLayerNorm = RegisterModule(
            "post_attention_layernorm", new RmsNorm(Initializer.Ones(config.HiddenSize), config.RmsNormEps));
    }

    /// <summary>The attention block.</summary>
    public Qwen2Attention SelfAttention { get; }

    /// <summary>The SwiGLU MLP.</summary>
    public Qwen2Mlp Mlp { get; }

    /// <summary>Norm before attention.</summary>
    public RmsNorm InputLayerNorm { get; }

    /// <summary>Norm before the MLP.</summary>
    public RmsNorm PostAttentionLayerNorm { get; }

    /// <summary>x [B, L, H] → [B, L, H]; see <see cref="Qwen2Attention.Forward"/> for the other arguments.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? keep, KvCache? cache)
    {
        using var scope = LibTorch.NewDisposeScope();
        var h = Ops.Add(x, SelfAttention.Forward(InputLayerNorm.Forward(x), cos, sin, keep, cache));
        return Ops.Add(h, Mlp.Forward(PostAttentionLayerNorm.Forward(h))).MoveToOuterDisposeScope();
    }
}
