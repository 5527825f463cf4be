using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.Generation;
using PerceptionJudge.Model.Nn.Loading;
using PerceptionJudge.Model.Nn.Qwen2;
using PerceptionJudge.Model.Nn.Vision;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// The judge backbone: a Qwen2 causal LM (HF <c>Qwen2ForCausalLM</c>: <c>model.*</c> + <c>lm_head</c>) with an optional
/// vision tower under <c>visual.*</c> (<see cref="VisionTransformer"/>) whose patch embeddings replace the
/// <c>&lt;image&gt;</c> placeholders (<see cref="ImageSplice"/>). With tie_word_embeddings the head multiplies by
/// <c>model.embed_tokens.weight</c> and is not a child, so <c>lm_head.weight</c> appears in no parameter list or
/// checkpoint, as HF's <c>named_parameters()</c> and <c>save_pretrained</c> drop the tied copy.
/// </summary>
public sealed class VisionLanguageModel : Module
{
    /// <summary>A model shaped by <paramref name="config"/>, parameters from <paramref name="init"/>.</summary>
    public VisionLanguageModel(ModelConfig config, Initializer init, ImageNormalization? normalization = null)
    {
        config.Validate();
        Config = config;
        using var scope = LibTorch.NewDisposeScope();
        Model = RegisterModule("model", new Qwen2Model(config, init));
        if (config.Vision is { } vision)
        {
            Visual = RegisterModule("visual", new VisionTransformer(vision, config.HiddenSize, init, normalization));
        }
        LmHead = config.TieWordEmbeddings
            ? new Linear(Model.EmbedTokens.Weight)
            : RegisterModule("lm_head", init.Linear(config.HiddenSize, config.VocabSize, bias: false));
    }

    /// <summary>A model with seeded HF-style random init, N(0, <paramref name="std"/>²) (initializer_range).</summary>
    public static VisionLanguageModel Create(ModelConfig config, ulong seed, double std = 0.02) =>
        new(config, new Initializer(seed, std));

    /// <summary>The configuration.</summary>
    public ModelConfig Config { get; }

    /// <summary>The decoder (<c>model.*</c>).</summary>
    public Qwen2Model Model { get; }

    /// <summary>The vision tower (<c>visual.*</c>), or null for a text-only model.</summary>
    public VisionTransformer? Visual { get; }

    /// <summary>
    /// The output projection [V, H]. Tied: a view over the embedding, outside the module tree (not in
    /// <see cref="Module.NamedModules"/>); untied: child <c>lm_head</c>.
    /// </summary>
    public Linear LmHead { get; }

    /// <summary>A fresh, empty KV cache for this decoder; the caller disposes it.</summary>
    public KvCache NewCache() => new(Config.NumHiddenLayers);

    /// <summary>
    /// Token embeddings of int64 <paramref name="inputIds"/> [B, T], with the images' patch embeddings spliced in at
    /// the image placeholders when <paramref name="pixelValues"/> [N, C, S, S] is given. Placeholders without pixel
    /// values are an error unless <paramref name="placeholdersAreText"/> (decoding steps, where a sampled placeholder
    /// id is an ordinary token, as in HF generate). With <paramref name="imageColumns"/>, only the first that many
    /// columns hold image placeholders (the prompt of a prompt + response row); later ones are text, with or without
    /// pixel values (a text-only prompt's sampled response may hold the placeholder id).
    /// </summary>
    public Tensor EmbedInputs(Tensor inputIds, Tensor? pixelValues = null, bool placeholdersAreText = false,
        long? imageColumns = null)
    {
        if (inputIds.Dim != 2)
        {
            throw new ArgumentException(
                $"input_ids must be [batch, length], got [{string.Join(", ", inputIds.Shape)}]");
        }
        using var scope = LibTorch.NewDisposeScope();
        var embeds = Model.EmbedTokens.Forward(inputIds);
        if (pixelValues is null)
        {
            var prompt = imageColumns is { } columns ? inputIds.Narrow(1, 0, columns) : inputIds;
            if (!placeholdersAreText && Config.ImageTokenId is { } id
                && ImageSplice.CountPlaceholders(prompt, id) is var n && n > 0)
            {
                throw new ModelException(
                    $"input_ids hold {n} <image> placeholders (id {id}) but no pixel_values were given");
            }
            return embeds.MoveToOuterDisposeScope();
        }
        if (Visual is null || Config.ImageTokenId is not { } imageToken)
        {
            throw new ModelException("pixel_values were given but the model has no vision tower (vision_config)");
        }
        var imageEmbeds = Visual.Forward(pixelValues);
        return ImageSplice.Apply(embeds, inputIds, imageEmbeds, imageToken, imageColumns).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The normed last hidden states [B, T, H] (what a chunked log-prob head consumes).
    /// <paramref name="attentionMask"/> [B, past + T] marks tokens 1 and left padding 0 (null: none); positions follow
    /// it as in HF generate unless <paramref name="positionIds"/> is given. With <paramref name="cache"/>, T new tokens
    /// extend the cached past; once it holds a prefix, placeholder ids in the new tokens are embedded as text.
    /// <paramref name="imageColumns"/>: see <see cref="EmbedInputs"/>.
    /// </summary>
    public Tensor ForwardHidden(
        Tensor inputIds, Tensor? attentionMask = null, Tensor? pixelValues = null, KvCache? cache = null,
        Tensor? positionIds = null, long? imageColumns = null)
    {
        using var scope = LibTorch.NewDisposeScope();
        var embeds = EmbedInputs(inputIds, pixelValues, placeholdersAreText: cache is { Length: > 0 }, imageColumns);
        return Model.Forward(embeds, attentionMask, positionIds, cache).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [..., V] of hidden states [..., H] (the lm_head).</summary>
    public Tensor ComputeLogits(Tensor hidden) => LmHead.Forward(hidden);

    /// <summary>Logits [B, T, V]; the arguments are those of <see cref="ForwardHidden"/>.</summary>
    public Tensor Forward(
        Tensor inputIds, Tensor? attentionMask = null, Tensor? pixelValues = null, KvCache? cache = null,
        Tensor? positionIds = null)
    {
        using var scope = LibTorch.NewDisposeScope();
        var hidden = ForwardHidden(inputIds, attentionMask, pixelValues, cache, positionIds);
        return ComputeLogits(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes up to max_new_tokens for left-padded prompts <paramref name="inputIds"/> [B, T] with a KV cache
    /// (<see cref="Generator.Generate"/>); runs without autograd.
    /// </summary>
    public GenerationResult Generate(
        Tensor inputIds, Tensor? attentionMask, GenerationOptions options, Tensor? pixelValues = null) =>
        Generator.Generate(this, inputIds, attentionMask, pixelValues, options);

    /// <summary>
    /// Copies the parameters from <paramref name="checkpoint"/> (HF names; see <see cref="ModelWeights.Load"/>). A tied
    /// model ignores a stored <c>lm_head.weight</c>, as HF does for tied keys.
    /// </summary>
    public WeightLoadReport LoadWeights(SafetensorsCheckpoint checkpoint, bool strict = true) =>
        ModelWeights.Load(
            this, checkpoint, strict,
            Config.TieWordEmbeddings ? new HashSet<string>(StringComparer.Ordinal) { "lm_head.weight" } : null);

    /// <summary>
    /// A model from an HF-style folder: <c>config.json</c> plus <c>model.safetensors</c> or a sharded index. Without
    /// <paramref name="strict"/>, parameters the checkpoint lacks keep a seeded HF-style random init (as HF's
    /// <c>from_pretrained</c> initialises missing weights).
    /// </summary>
    public static VisionLanguageModel FromPretrained(string folder, bool strict = true, ulong seed = 0)
    {
        var config = ModelConfigJson.Load(Path.Combine(folder, "config.json"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        var model = new VisionLanguageModel(config, strict ? Initializer.Empty : new Initializer(seed));
        try
        {
            model.LoadWeights(checkpoint, strict);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> (as <paramref name="dtype"/>).</summary>
    public void SavePretrained(string folder, DType dtype = DType.Float32)
    {
        Directory.CreateDirectory(folder);
        ModelConfigJson.Save(Config, Path.Combine(folder, "config.json"));
        ModelWeights.Save(this, Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), dtype);
    }
}
