using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// HF <c>Qwen2Attention</c>: grouped-query attention (Ainslie et al. 2023) with RoPE. <c>q_proj</c> [H, H],
/// <c>k_proj</c>/<c>v_proj</c> [kv·d, H] carry biases, <c>o_proj</c> [H, H] does not. Scores are scaled by d^−½;
/// each of the kv_heads key/value heads serves num_heads / kv_heads consecutive query heads (HF <c>repeat_kv</c>).
/// </summary>
public sealed class Qwen2Attention : Module
{
    /// <summary>An attention block shaped by <paramref name="config"/>, weights from <paramref name="init"/>.</summary>
    public Qwen2Attention(ModelConfig config, Initializer init, int layerIndex)
    {
        LayerIndex = layerIndex;
        NumHeads = config.NumAttentionHeads;
        NumKeyValueHeads = config.NumKeyValueHeads;
        HeadDim = config.HeadDim;
        long h = config.HiddenSize, kv = (long)NumKeyValueHeads * HeadDim;
        QProj = RegisterModule("q_proj", init.Linear(h, (long)NumHeads * HeadDim, bias: true));
        KProj = RegisterModule("k_proj", init.Linear(h, kv, bias: true));
        VProj = RegisterModule("v_proj", init.Linear(h, kv, bias: true));
        OProj = RegisterModule("o_proj", init.Linear((long)NumHeads * HeadDim, h, bias: false));
    }

    /// <summary>Position of this layer in the decoder (its slot in a <see cref="KvCache"/>).</summary>
    public int LayerIndex { get; }

    /// <summary>Query heads.</summary>
    public int NumHeads { get; }

    /// <summary>Key/value heads.</summary>
    public int NumKeyValueHeads { get; }

    /// <summary>Per-head width d.</summary>
    public int HeadDim { get; }

    /// <summary>Queries, with bias.</summary>
    public Linear QProj { get; }

    /// <summary>Keys, with bias.</summary>
    public Linear KProj { get; }

    /// <summary>Values, with bias.</summary>
    public Linear VProj { get; }

    /// <summary>Output projection, no bias.</summary>
    public Linear OProj { get; }

    /// <summary>
    /// x [B, L, H] → [B, L, H]. <paramref name="cos"/>/<paramref name="sin"/> come from
    /// <see cref="RotaryEmbedding.Compute"/>; <paramref name="keep"/> is the bool mask of
    /// <see cref="AttentionMask.CausalKeep"/> (null: plain causal). With a cache, the new keys/values are appended
    /// and the queries attend to the whole cached sequence.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? keep, KvCache? cache)
    {
        using var scope = LibTorch.NewDisposeScope();
        long batch = x.Size(0), length = x.Size(1);
        var q = Ops.Rotary(Heads(QProj.Forward(x), NumHeads), cos, sin);
        var k = Ops.Rotary(Heads(KProj.Forward(x), NumKeyValueHeads), cos, sin);
        var v = Heads(VProj.Forward(x), NumKeyValueHeads);
        if (cache is not null)
        {
            (k, v) = cache.Update(LayerIndex, k, v);
        }
        var attended = Ops.ScaledDotProductAttention(q, k, v, keep, isCausal: keep is null);
        var merged = attended.Transpose(1, 2).Reshape(batch, length, (long)NumHeads * HeadDim);
        return OProj.Forward(merged).MoveToOuterDisposeScope();

        Tensor Heads(Tensor projected, int heads) => projected.View(batch, length, heads, HeadDim).Transpose(1, 2);
    }
}
