using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Grpo;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Sft;

/// <summary>
/// The supervised warm-up: token-mean cross-entropy of the gold judgments given their prompts,
/// <c>L = −Σ_t m_t log π(y_t | x, y_&lt;t) / Σ_t m_t</c> (TRL SFTTrainer's completion-only loss), so
/// d L / d log π_t = −m_t / Σ m. Log-probs come from the chunked head (no logits tensor), gradients go through
/// libtorch's backward, and the fused AdamW kernel steps.
/// </summary>
public static class SftStep
{
    /// <summary>One optimizer step on <paramref name="samples"/>; returns the loss and the gold-token accuracy proxy
    /// exp(−loss).</summary>
    public static double Run(VisionLanguageModel model, LoraAdamW optimizer, IReadOnlyList<JudgeSample> samples,
        int imageSize, long padId, int step)
    {
        using var scope = LibTorch.NewDisposeScope();
        var seq = new SequenceBatch(
            samples.Select(s => s.PromptIds).ToList(), samples.Select(s => s.GoldIds).ToList(),
            samples.Select(s => s.Pixels).ToList(), imageSize, padId);
        Torch.Tensor hidden;
        Model.LogProb.LinearLogProbResult lp;
        try
        {
            (hidden, lp) = seq.Forward(model, 1f);
        }
        catch (NonFiniteException e)
        {
            throw new NonFiniteException(step, e.What);
        }

        double tokens = seq.ValidTokens, loss = 0;
        var grad = new float[seq.ResponseMask.Length];
        for (int i = 0; i < grad.Length; i++)
        {
            loss -= seq.ResponseMask[i] * lp.LogProb[i];
            grad[i] = (float)(-seq.ResponseMask[i] / tokens);
        }

        loss /= tokens;
        if (!double.IsFinite(loss))
        {
            throw new NonFiniteException(step, $"SFT loss is {loss}");
        }

        LinearLogProb.Backward(hidden, model.LmHead.Weight, lp, [], grad);
        try
        {
            NonFiniteException.Guard(optimizer.Step, step); // a non-finite gradient throws before anything is written
        }
        finally
        {
            optimizer.ZeroGrad();
        }

        return loss;
    }
}
