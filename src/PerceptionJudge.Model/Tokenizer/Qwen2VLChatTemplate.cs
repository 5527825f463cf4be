using System.Text;
using PerceptionJudge.Model.Processing;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// Qwen2-VL's chat template as text (the Jinja <c>chat_template</c> of Qwen2-VL-Instruct's tokenizer_config.json /
/// chat_template.json): a default system turn <c>You are a helpful assistant.</c> when the first message is not a
/// system one; each turn <c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c>; each image in a turn
/// <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;</c> with the text right after it; the generation
/// prompt <c>&lt;|im_start|&gt;assistant\n</c>. <see cref="ExpandImagePads"/> is HF Qwen2VLProcessor's expansion of
/// each image pad into the image's token count.
/// </summary>
public static class Qwen2VLChatTemplate
{
    /// <summary>The system prompt the template adds when the conversation has none.</summary>
    public const string DefaultSystemPrompt = "You are a helpful assistant.";

    /// <summary>One image as the template renders it, before expansion.</summary>
    public const string ImagePlaceholder = ChatTokens.VisionStart + ChatTokens.ImagePad + ChatTokens.VisionEnd;

    /// <summary>The generation prompt (add_generation_prompt=True).</summary>
    public const string GenerationPrompt = ChatTokens.ImStart + "assistant\n";

    /// <summary>One turn: <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>.</summary>
    public static string Turn(string role, string content) =>
        ChatTokens.ImStart + role + "\n" + content + ChatTokens.ImEnd + "\n";

    /// <summary>
    /// A one-turn conversation: the system turn (<paramref name="systemPrompt"/>, or the default one when null), the
    /// user turn with <paramref name="images"/> image placeholders followed by <paramref name="question"/>, and the
    /// generation prompt when <paramref name="addGenerationPrompt"/>.
    /// </summary>
    public static string UserPrompt(string question, int images = 1, string? systemPrompt = null,
        bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        var text = new StringBuilder()
            .Append(Turn("system", systemPrompt ?? DefaultSystemPrompt))
            .Append(Turn("user", string.Concat(Enumerable.Repeat(ImagePlaceholder, images)) + question));
        if (addGenerationPrompt)
        {
            text.Append(GenerationPrompt);
        }

        return text.ToString();
    }

    /// <summary>
    /// Replaces the i-th <c>&lt;|image_pad|&gt;</c> of <paramref name="text"/> by grids[i].T·H·W / merge_size²
    /// pads, left to right (HF Qwen2VLProcessor.__call__). A pad count different from the image count is a
    /// <see cref="ModelException"/>: each image needs exactly one placeholder.
    /// </summary>
    public static string ExpandImagePads(string text, IReadOnlyList<GridThw> grids, int mergeSize)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(grids);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mergeSize);
        var expanded = new StringBuilder(text.Length);
        int at = 0, image = 0;
        for (int next; (next = text.IndexOf(ChatTokens.ImagePad, at, StringComparison.Ordinal)) >= 0;
             at = next + ChatTokens.ImagePad.Length)
        {
            if (image == grids.Count)
            {
                throw new ModelException($"the text has more {ChatTokens.ImagePad} placeholders than the " +
                    $"{grids.Count} image(s); give one placeholder per image");
            }

            var grid = grids[image++];
            if (grid.Patches % (mergeSize * mergeSize) != 0)
            {
                throw new ModelException($"image {image - 1}: grid {grid.T}x{grid.H}x{grid.W} is not a whole " +
                    $"number of {mergeSize}x{mergeSize} merge blocks");
            }

            expanded.Append(text, at, next - at);
            for (int i = grid.TokenCount(mergeSize); i > 0; i--)
            {
                expanded.Append(ChatTokens.ImagePad);
            }
        }

        if (image != grids.Count)
        {
            throw new ModelException($"the text has {image} {ChatTokens.ImagePad} placeholder(s) for " +
                $"{grids.Count} image(s); give one placeholder per image");
        }

        return expanded.Append(text, at, text.Length - at).ToString();
    }
}
