using PerceptionJudge.Model.Config;

namespace PerceptionJudge.Model.Nn.Loading;

/// <summary>
/// The language model's tensor shapes as a config implies them (HF Qwen2ForCausalLM / the Qwen2-VL text side, hub
/// names): <c>model.embed_tokens.weight</c> [V, H]; per layer q_proj [H, H] + bias, k_proj/v_proj [kv·d, H] + bias,
/// o_proj [H, H], mlp gate/up [I, H], down [H, I], two norms [H]; <c>model.norm.weight</c> [H]; <c>lm_head.weight</c>
/// [V, H] unless tied. Lets a checkpoint be checked against config.json without building the model.
/// </summary>
public static class DecoderShapes
{
    /// <summary>Hub name → shape for every language-model tensor of <paramref name="c"/>, in module order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Expected(ModelConfig c)
    {
        long h = c.HiddenSize, i = c.IntermediateSize, v = c.VocabSize;
        long q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        var shapes = new List<(string, long[])> { ("model.embed_tokens.weight", [v, h]) };
        for (var layer = 0; layer < c.NumHiddenLayers; layer++)
        {
            var p = $"model.layers.{layer}.";
            shapes.Add((p + "self_attn.q_proj.weight", [q, h]));
            shapes.Add((p + "self_attn.q_proj.bias", [q]));
            shapes.Add((p + "self_attn.k_proj.weight", [kv, h]));
            shapes.Add((p + "self_attn.k_proj.bias", [kv]));
            shapes.Add((p + "self_attn.v_proj.weight", [kv, h]));
            shapes.Add((p + "self_attn.v_proj.bias", [kv]));
            shapes.Add((p + "self_attn.o_proj.weight", [h, q]));
            shapes.Add((p + "mlp.gate_proj.weight", [i, h]));
            shapes.Add((p + "mlp.up_proj.weight", [i, h]));
            shapes.Add((p + "mlp.down_proj.weight", [h, i]));
            shapes.Add((p + "input_layernorm.weight", [h]));
            shapes.Add((p + "post_attention_layernorm.weight", [h]));
        }
        shapes.Add(("model.norm.weight", [h]));
        if (!c.TieWordEmbeddings)
        {
            shapes.Add(("lm_head.weight", [v, h]));
        }
        return shapes;
    }
}
