using System.Text;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Training.Rollout;

/// <summary>
/// The judge's chat turn for a PPJD record (Qwen2 chat template: <c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c>)
/// and its gold answer. The answer goes in an <c>&lt;answer&gt;…&lt;/answer&gt;</c> block, which the reward parsers
/// read (Kernels.Ranking.JudgeOutput): score "1"/"0", pair "A"/"B"/"C" (C = tie), batch a letter order best-first.
/// </summary>
public static class JudgePrompt
{
    /// <summary>Opens the reasoning block when <see cref="Config.RolloutConfig.ThinkPrefix"/> is on.</summary>
    public const string ThinkOpen = "<think>";

    /// <summary>The instruction closing the user turn, per task.</summary>
    public static string Instruction(string task) => task switch
    {
        PpjdTask.Score => "Is the response right for the image? Answer 1 or 0.",
        PpjdTask.Pair => "Which response is better? Answer A, B or C for a tie.",
        PpjdTask.BatchRanking => "Rank the responses from best to worst.",
        _ => throw new TrainingException($"unknown task '{task}'; valid: score, pair, batch_ranking"),
    };

    /// <summary>
    /// The prompt text up to and including the assistant turn's opening (and <c>&lt;think&gt;</c>). The image is
    /// <paramref name="imageTokens"/> placeholders, one per vision embedding (Qwen2-VL expands its image pad the same
    /// way) of text <paramref name="image"/> (the tokenizer's <see cref="ChatTokens.Image"/>).
    /// <paramref name="instruction"/> replaces the task's default instruction (e.g. a 1–5 rating scale).
    /// </summary>
    public static string Prompt(PpjdRecord record, bool thinkPrefix, int imageTokens = 1, string? instruction = null,
        bool tagResponses = false, string image = ChatTokens.ImageTag) =>
        Build(record, thinkPrefix, imageTokens, instruction, tagResponses, image, qwen2VL: false);

    private static string Build(PpjdRecord record, bool thinkPrefix, int imageTokens, string? instruction,
        bool tagResponses, string image, bool qwen2VL)
    {
        var text = UserTurn(imageTokens, image, qwen2VL).Append(record.Question).Append('\n');
        for (int i = 0; i < record.Responses.Count; i++)
        {
            char letter = (char)('A' + i);
            text.Append(letter).Append(": ").Append(record.Responses[i]);
            if (tagResponses)
            {
                text.Append(" (").Append(letter).Append(')');
            }

            text.Append('\n');
        }

        CloseUserTurn(text, instruction ?? Instruction(record.Task));
        if (thinkPrefix)
        {
            text.Append(ThinkOpen);
        }

        return text.ToString();
    }

    /// <summary>
    /// <see cref="Prompt"/> in the template of
    /// <paramref name="chat"/>'s tokenizer. A Qwen2-VL tokenizer (<see cref="ChatTokens.IsQwen2VL"/>) gets Qwen2-VL's
    /// chat template (<see cref="Qwen2VLChatTemplate"/>): the default system turn, then the user turn opening with
    /// <c>&lt;|vision_start|&gt;</c>, <paramref name="imageTokens"/> image pads (the image's
    /// <see cref="Model.Processing.GridThw.TokenCount"/>) and <c>&lt;|vision_end|&gt;</c>, the question right after;
    /// any other tokenizer (the tiny vocabulary) gets exactly the plain prompt with its placeholder.
    /// </summary>
    public static string PromptFor(PpjdRecord record, bool thinkPrefix, ChatTokens chat, int imageTokens = 1,
        string? instruction = null, bool tagResponses = false)
    {
        ArgumentNullException.ThrowIfNull(chat);
        return Build(record, thinkPrefix, imageTokens, instruction, tagResponses, chat.Image, chat.IsQwen2VL);
    }

    /// <summary>
    /// The gold completion: with a think prefix, first what the shown image holds (the record's
    /// <see cref="PpjdRecord.Facts"/>, when the dataset knows them), then the key fact (the response right for the
    /// shown image, when there is one) and <c>&lt;/think&gt;</c>; then the answer block and <c>&lt;|im_end|&gt;</c>.
    /// Describe-then-judge gives a judge trained from scratch a perception target it can learn directly from the
    /// image, and turns the verdict into matching text against text.
    /// </summary>
    public static string Gold(PpjdRecord record, bool thinkPrefix, bool tagResponses = false)
    {
        var text = new StringBuilder();
        if (thinkPrefix)
        {
            string? key = KeyFact(record);
            if (tagResponses && key is not null)
            {
                key += $" ({record.CorrectFor[record.Image]})";
            }

            string?[] parts = [record.ShownFacts, key];
            text.AppendJoin(' ', parts.Where(p => !string.IsNullOrEmpty(p))).Append("</think>");
        }

        return text.Append("<answer>").Append(record.Label).Append("</answer>").Append(ChatTokens.ImEnd)
            .ToString();
    }

    /// <summary>The instruction of the description warm-up (<see cref="Config.SftConfig.DescribeSteps"/>).</summary>
    public const string DescribeInstruction = "Describe the image.";

    /// <summary>The description warm-up's prompt: the image placeholders and <see cref="DescribeInstruction"/>.
    /// </summary>
    public static string DescribePrompt(int imageTokens, string image = ChatTokens.ImageTag) =>
        CloseUserTurn(UserTurn(imageTokens, image, qwen2VL: false), DescribeInstruction).ToString();

    /// <summary>
    /// <see cref="DescribePrompt"/> in the template of <paramref name="chat"/>'s tokenizer, as
    /// <see cref="PromptFor"/> does.
    /// </summary>
    public static string DescribePromptFor(int imageTokens, ChatTokens chat)
    {
        ArgumentNullException.ThrowIfNull(chat);
        return CloseUserTurn(UserTurn(imageTokens, chat.Image, chat.IsQwen2VL), DescribeInstruction).ToString();
    }

    /// <summary>
    /// The user turn's opening: the image as <paramref name="imageTokens"/> placeholders and a newline; in Qwen2-VL's
    /// template (<paramref name="qwen2VL"/>) the default system turn first, the placeholders between
    /// <c>&lt;|vision_start|&gt;</c> and <c>&lt;|vision_end|&gt;</c>, and no newline (the text follows the image).
    /// </summary>
    private static StringBuilder UserTurn(int imageTokens, string image, bool qwen2VL)
    {
        string pads = string.Concat(Enumerable.Repeat(image, imageTokens));
        return qwen2VL
            ? new StringBuilder(Qwen2VLChatTemplate.Turn("system", Qwen2VLChatTemplate.DefaultSystemPrompt))
                .Append(ChatTokens.ImStart).Append("user\n")
                .Append(ChatTokens.VisionStart).Append(pads).Append(ChatTokens.VisionEnd)
            : new StringBuilder().Append(ChatTokens.ImStart).Append("user\n").Append(pads).Append('\n');
    }

    /// <summary>Ends the user turn with <paramref name="instruction"/> and opens the assistant's.</summary>
    private static StringBuilder CloseUserTurn(StringBuilder text, string instruction) =>
        text.Append(instruction).Append(ChatTokens.ImEnd).Append('\n')
            .Append(ChatTokens.ImStart).Append("assistant\n");

    /// <summary>The description warm-up's gold: the image's facts, then <c>&lt;|im_end|&gt;</c>.</summary>
    public static string DescribeGold(string facts) => facts + ChatTokens.ImEnd;

    /// <summary>
    /// The key visual fact of a record: the text of the response that is right for the image shown, or null when
    /// none is (a score item shown with the other image). Perception-R1's perception term looks for it.
    /// </summary>
    public static string? KeyFact(PpjdRecord record)
    {
        if (record.CorrectFor.TryGetValue(record.Image, out var letter) && letter.Length == 1
            && letter[0] - 'A' is int i && i >= 0 && i < record.Responses.Count)
        {
            return record.Responses[i];
        }

        return null;
    }
}
