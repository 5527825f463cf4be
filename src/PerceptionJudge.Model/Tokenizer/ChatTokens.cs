namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// The ChatML markers the judge's prompts are built from, and the image placeholder the vision tokens are spliced
/// at, with their ids in one tokenizer. The markers are the same text in every supported tokenizer (Qwen2's chat
/// format); the placeholder is <c>&lt;|image_pad|&gt;</c> (Qwen2-VL) where the tokenizer has it, else
/// <c>&lt;image&gt;</c> (the built-in tiny vocabulary).
/// </summary>
/// <param name="EndOfTextId">Id of <see cref="EndOfText"/>: padding, and a second stop token.</param>
/// <param name="ImStartId">Id of <see cref="ImStart"/>.</param>
/// <param name="ImEndId">Id of <see cref="ImEnd"/>: generation stops here.</param>
/// <param name="Image">The image placeholder's text.</param>
/// <param name="ImageId">The image placeholder's id (the model config's image_token_id).</param>
/// <param name="VisionStartId">Id of <see cref="VisionStart"/>, where the tokenizer has it (Qwen2-VL).</param>
/// <param name="VisionEndId">Id of <see cref="VisionEnd"/>, where the tokenizer has it (Qwen2-VL).</param>
/// <param name="VideoPadId">Id of <see cref="VideoPad"/>, where the tokenizer has it (Qwen2-VL).</param>
public sealed record ChatTokens(int EndOfTextId, int ImStartId, int ImEndId, string Image, int ImageId,
    int? VisionStartId = null, int? VisionEndId = null, int? VideoPadId = null)
{
    /// <summary>End of a document; also the padding token.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Opens a chat turn.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>Closes a chat turn.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>Qwen2-VL's image placeholder.</summary>
    public const string ImagePad = "<|image_pad|>";

    /// <summary>Qwen2-VL's opening of an image or video's placeholders.</summary>
    public const string VisionStart = "<|vision_start|>";

    /// <summary>Qwen2-VL's closing of an image or video's placeholders.</summary>
    public const string VisionEnd = "<|vision_end|>";

    /// <summary>Qwen2-VL's video placeholder.</summary>
    public const string VideoPad = "<|video_pad|>";

    /// <summary>
    /// Whether prompts use Qwen2-VL's chat template: the image placeholder is <see cref="ImagePad"/> and the
    /// tokenizer has <see cref="VisionStart"/> and <see cref="VisionEnd"/> to wrap it.
    /// </summary>
    public bool IsQwen2VL => Image == ImagePad && VisionStartId is not null && VisionEndId is not null;

    /// <summary>The built-in tiny vocabulary's image placeholder.</summary>
    public const string ImageTag = "<image>";

    /// <summary>Finds the markers in <paramref name="tokenizer"/>; a missing one is a ModelException naming it.</summary>
    internal static ChatTokens Find(Tokenizer tokenizer)
    {
        int Require(string token) => tokenizer.TokenToId(token) ?? throw new ModelException(
            tokenizer.Source, "added_tokens",
            $"has no {token} token; the judge's chat prompts need {EndOfText}, {ImStart}, {ImEnd} and an image " +
            $"placeholder ({ImagePad} or {ImageTag})");
        string image = tokenizer.TokenToId(ImagePad) is null ? ImageTag : ImagePad;
        return new ChatTokens(Require(EndOfText), Require(ImStart), Require(ImEnd), image, Require(image),
            tokenizer.TokenToId(VisionStart), tokenizer.TokenToId(VisionEnd), tokenizer.TokenToId(VideoPad));
    }
}
