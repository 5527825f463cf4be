using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Training.Samples;

/// <summary>
/// One PPJD record made ready for the model: prompt and gold token ids, and the shown image as normalised-later
/// planar floats [C][S][S] in [0, 1] (the ViT applies its own mean/std). A text-only sample has no image (empty
/// <see cref="Pixels"/>, no placeholder in its prompt) and runs the decoder alone.
/// </summary>
/// <param name="Record">The source record.</param>
/// <param name="PromptIds">Tokens of <see cref="Rollout.JudgePrompt.Prompt"/>.</param>
/// <param name="GoldIds">Tokens of <see cref="Rollout.JudgePrompt.Gold"/> (ends with &lt;|im_end|&gt;).</param>
/// <param name="Pixels">The shown image, C·S·S floats; empty for a text-only sample.</param>
/// <param name="PairKey">The image pair it belongs to (its original image path): the unit of the train/val split.
/// </param>
public sealed record JudgeSample(PpjdRecord Record, int[] PromptIds, int[] GoldIds, float[] Pixels, string PairKey)
{
    /// <summary>score, pair or batch_ranking.</summary>
    public string Task => Record.Task;

    /// <summary>The ground-truth label.</summary>
    public string Label => Record.Label;

    /// <summary>Whether the sample has no image.</summary>
    public bool TextOnly => Pixels.Length == 0;
}
