using System.Text.Json;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Config;

/// <summary>
/// The vision tower (HF <c>vision_config</c>, CLIP/SigLIP field names): a ViT over <see cref="PatchSize"/>-pixel
/// patches of an <see cref="ImageSize"/>-square image, pre-norm blocks, then a 2-layer MLP projector to the decoder.
/// </summary>
public sealed record VisionConfig
{
    /// <summary>ViT width (hidden_size).</summary>
    public int HiddenSize { get; init; }

    /// <summary>ViT MLP width (intermediate_size).</summary>
    public int IntermediateSize { get; init; }

    /// <summary>ViT blocks (num_hidden_layers).</summary>
    public int NumHiddenLayers { get; init; }

    /// <summary>ViT attention heads (num_attention_heads).</summary>
    public int NumAttentionHeads { get; init; }

    /// <summary>Side of a square patch in pixels (patch_size).</summary>
    public int PatchSize { get; init; }

    /// <summary>Side of the square input image in pixels (image_size).</summary>
    public int ImageSize { get; init; }

    /// <summary>Input channels (num_channels).</summary>
    public int NumChannels { get; init; } = 3;

    /// <summary>LayerNorm epsilon (layer_norm_eps).</summary>
    public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Patches per image: (image_size / patch_size)².</summary>
    public int NumPatches => ImageSize / PatchSize * (ImageSize / PatchSize);
}

/// <summary>
/// A Qwen2-style decoder configuration with HF <c>config.json</c> field names (Qwen2Config): RMSNorm, RoPE,
/// grouped-query attention with q/k/v bias, SwiGLU MLP; plus an optional <see cref="Vision"/> tower. For model types
/// qwen2_vl and qwen2_5_vl (Qwen2VLConfig, Qwen2_5_VLConfig) the same fields describe the language side, RoPE is
/// multimodal (<see cref="MropeSection"/>) and the vision tower's settings stay raw (<see cref="RawVisionConfig"/>).
/// Read and write with <see cref="ModelConfigJson"/>; <see cref="Validate"/> checks the shapes fit together.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>HF model_type Qwen2-VL checkpoints carry.</summary>
    public const string Qwen2VLType = "qwen2_vl";

    /// <summary>HF model_type Qwen2.5-VL checkpoints carry.</summary>
    public const string Qwen25VLType = "qwen2_5_vl";

    /// <summary>HF model_type: "qwen2" (text or CLIP-style <see cref="Vision"/>), "qwen2_vl" or "qwen2_5_vl".</summary>
    public string ModelType { get; init; } = "qwen2";

    /// <summary>True for the Qwen2-VL family (model_type qwen2_vl or qwen2_5_vl).</summary>
    public bool IsQwenVL => ModelType is Qwen2VLType or Qwen25VLType;

    /// <summary>Decoder width (hidden_size).</summary>
    public int HiddenSize { get; init; }

    /// <summary>SwiGLU inner width (intermediate_size).</summary>
    public int IntermediateSize { get; init; }

    /// <summary>Decoder blocks (num_hidden_layers).</summary>
    public int NumHiddenLayers { get; init; }

    /// <summary>Query heads (num_attention_heads).</summary>
    public int NumAttentionHeads { get; init; }

    /// <summary>Key/value heads for grouped-query attention (num_key_value_heads).</summary>
    public int NumKeyValueHeads { get; init; }

    /// <summary>RMSNorm epsilon (rms_norm_eps; HF default 1e-6).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>RoPE base (rope_theta; HF default 10000).</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>Embedding rows (vocab_size); at least the tokenizer's vocabulary size.</summary>
    public int VocabSize { get; init; }

    /// <summary>lm_head shares the embedding matrix (tie_word_embeddings).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Longest sequence RoPE is sized for (max_position_embeddings; HF default 32768).</summary>
    public int MaxPositionEmbeddings { get; init; } = 32768;

    /// <summary>MLP activation (hidden_act); only "silu" is supported.</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary>Id of the &lt;image&gt; placeholder token (image_token_id), if images are used.</summary>
    public int? ImageTokenId { get; init; }

    /// <summary>Id of the &lt;|video_pad|&gt; placeholder token (video_token_id), Qwen2-VL family only.</summary>
    public int? VideoTokenId { get; init; }

    /// <summary>Id of &lt;|vision_start|&gt; (vision_start_token_id), Qwen2-VL family only.</summary>
    public int? VisionStartTokenId { get; init; }

    /// <summary>Id of &lt;|vision_end|&gt; (vision_end_token_id), Qwen2-VL family only.</summary>
    public int? VisionEndTokenId { get; init; }

    /// <summary>
    /// M-RoPE widths in frequencies for the temporal, height and width axes (rope_scaling.mrope_section, e.g.
    /// [16, 24, 24]; Σ = head_dim / 2), or null for plain RoPE.
    /// </summary>
    public IReadOnlyList<int>? MropeSection { get; init; }

    /// <summary>The CLIP-style vision tower (vision_config of model_type qwen2), or null.</summary>
    public VisionConfig? Vision { get; init; }

    /// <summary>
    /// The Qwen2-VL family's vision_config object as read (a detached clone), for the vision tower's own parser;
    /// written back unchanged. Null for model_type qwen2.
    /// </summary>
    public JsonElement? RawVisionConfig { get; init; }

    /// <summary>Per-head width: hidden_size / num_attention_heads.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Query heads sharing one key/value head.</summary>
    public int QueriesPerKeyValue => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>
    /// Parameters of the Qwen2 language model: embedding V·H; per layer q (H·H + H), k and v (H·kv + kv each, kv =
    /// kv_heads·head_dim), o (H·H), SwiGLU 3·H·I, two RMSNorms 2·H; the final norm H; lm_head V·H unless tied.
    /// </summary>
    public long DecoderParameterCount
    {
        get
        {
            long h = HiddenSize, kv = (long)NumKeyValueHeads * HeadDim, v = VocabSize, i = IntermediateSize;
            var layer = (h * h + h) + 2 * (h * kv + kv) + h * h + 3 * h * i + 2 * h;
            return v * h + NumHiddenLayers * layer + h + (TieWordEmbeddings ? 0 : v * h);
        }
    }

    /// <summary>
    /// The demo preset (about 3 million decoder parameters): width 256, 4 layers, 4 query and 2 key/value heads,
    /// SwiGLU 688, tied embeddings, vocabulary = the built-in tiny tokenizer's rounded up to a multiple of 64, and a
    /// 2-layer ViT of width 128 over 8-pixel patches of 64-pixel images.
    /// </summary>
    public static ModelConfig Tiny { get; } = CreateTiny();

    /// <summary>
    /// The fast demo preset (about 0.5 million decoder parameters): Tiny at half width and depth (128, 2 layers,
    /// SwiGLU 384) with a ViT of width 96 over 16-pixel patches, so a 64-pixel image is 16 tokens instead of 64.
    /// Sized for the README demo's ten-minute budget on two cores.
    /// </summary>
    public static ModelConfig Nano { get; } = Tiny with
    {
        HiddenSize = 128,
        IntermediateSize = 384,
        NumHiddenLayers = 2,
        Vision = Tiny.Vision! with { HiddenSize = 96, IntermediateSize = 384, PatchSize = 16 },
    };

    /// <summary>Throws a <see cref="ModelException"/> naming the first field that does not fit.</summary>
    public void Validate(string file = "<config>") => ModelConfigJson.Validate(this, file);

    private static ModelConfig CreateTiny()
    {
        var tokenizer = TokenizerLoader.For("tiny");
        return new ModelConfig
        {
            HiddenSize = 256,
            IntermediateSize = 688,
            NumHiddenLayers = 4,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            RmsNormEps = 1e-6,
            RopeTheta = 10000.0,
            VocabSize = (tokenizer.VocabSize + 63) / 64 * 64,
            TieWordEmbeddings = true,
            MaxPositionEmbeddings = 1024,
            ImageTokenId = tokenizer.Chat.ImageId,
            Vision = new VisionConfig
            {
                HiddenSize = 128,
                IntermediateSize = 512,
                NumHiddenLayers = 2,
                NumAttentionHeads = 4,
                PatchSize = 8,
                ImageSize = 64,
                NumChannels = 3,
                LayerNormEps = 1e-6,
            },
        };
    }
}
