using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// HF <c>Qwen2Model</c> (the checkpoint's <c>model.</c> prefix): <c>embed_tokens</c> [V, H], <c>layers.{i}</c>
/// (<see cref="Qwen2DecoderLayer"/>), final RMSNorm <c>norm</c>. No lm_head; see <see cref="VisionLanguageModel"/>.
/// </summary>
public sealed class Qwen2Model : Module
{
    /// <summary>A decoder shaped by <paramref name="config"/>, weights from <paramref name="init"/>.</summary>
    public Qwen2Model(ModelConfig config, Initializer init)
    {
        Config = config;
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(init.Normal(config.VocabSize, config.HiddenSize)));
        Layers = RegisterModule(
            "layers",
            new ModuleList<Qwen2DecoderLayer>(
                Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Qwen2DecoderLayer(config, init, i))));
        Norm = RegisterModule("norm", new RmsNorm(Initializer.Ones(config.HiddenSize), config.RmsNormEps));
        Rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.MropeSection);
    }

    /// <summary>The configuration the decoder was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Token embeddings [V, H].</summary>
    public Embedding EmbedTokens { get; }

    /// <summary>The decoder layers.</summary>
    public ModuleList<Qwen2DecoderLayer> Layers { get; }

    /// <summary>The final norm.</summary>
    public RmsNorm Norm { get; }

    /// <summary>The RoPE tables.</summary>
    public RotaryEmbedding Rotary { get; }

    /// <summary>
    /// Runs the decoder over <paramref name="inputsEmbeds"/> [B, L, H] and returns the normed last hidden states
    /// [B, L, H]. <paramref name="attentionMask"/> [B, past + L] (1 token, 0 padding; null: no padding) sets both the
    /// mask and, unless <paramref name="positionIds"/> is given, the positions (<see cref="AttentionMask"/>). Positions
    /// are [B, L], or [3, B, L] (temporal, height, width) when the config has an M-RoPE section (Qwen2-VL; see
    /// <see cref="QwenVL.QwenRopeIndex"/>).
    /// With <paramref name="cache"/>, the past comes from it and the new keys/values are appended.
    /// <paramref name="capture"/>, when given, sees each layer's output as <c>model.layers.N</c> and the final normed
    /// states as <c>model.norm</c> (valid during the call only; clone to keep).
    /// </summary>
    public Tensor Forward(Tensor inputsEmbeds, Tensor? attentionMask, Tensor? positionIds, KvCache? cache,
        Action<string, Tensor>? capture = null)
    {
        using var scope = LibTorch.NewDisposeScope();
        long batch = inputsEmbeds.Size(0), length = inputsEmbeds.Size(1);
        var past = cache?.Length ?? 0;
        if (cache is not null && cache.Layers != Layers.Count)
        {
            throw new ArgumentException($"KV cache has {cache.Layers} layers but the decoder has {Layers.Count}");
        }
        if (attentionMask is not null
            && (attentionMask.Dim != 2 || attentionMask.Size(0) != batch || attentionMask.Size(1) != past + length))
        {
            throw new ArgumentException(
                $"attention_mask must be [batch {batch}, past {past} + new {length}], got " +
                $"[{string.Join(", ", attentionMask.Shape)}]");
        }
        if (positionIds is not null)
        {
            if (positionIds.Dim is not (2 or 3)
                || positionIds.Size(positionIds.Dim - 2) != batch || positionIds.Size(-1) != length)
            {
                throw new ArgumentException(
                    $"position_ids must be [batch {batch}, new {length}] or [3, {batch}, {length}], got " +
                    $"[{string.Join(", ", positionIds.Shape)}]");
            }
        }
        positionIds ??= AttentionMask.PositionIds(attentionMask, batch, length, past);
        var (cos, sin) = Rotary.Compute(positionIds);
        var keep = attentionMask is null ? null : AttentionMask.CausalKeep(attentionMask, length);
        var h = inputsEmbeds;
        for (var i = 0; i < Layers.Count; i++)
        {
            var next = Layers.Items[i].Forward(h, cos, sin, keep, cache);
            capture?.Invoke($"model.layers.{i}", next);
            if (!ReferenceEquals(h, inputsEmbeds))
            {
                h.Dispose(); // autograd keeps what backward needs; the handle can go now
            }
            h = next;
        }
        var normed = Norm.Forward(h);
        capture?.Invoke("model.norm", normed);
        return normed.MoveToOuterDisposeScope();
    }
}
