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
public sealed record ChatTokens(int EndOfTextId, int ImStartId, int ImEndId, string Image, int ImageId)
{
    /// <summary>End of a document; also the padding token.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Opens a chat turn.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>Closes a chat turn.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>Qwen2-VL's image placeholder.</summary>
    public const string ImagePad = "<|image_pad|>";

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
        return new ChatTokens(Require(EndOfText), Require(ImStart), Require(ImEnd), image, Require(image));
    }
}
