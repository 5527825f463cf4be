using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>Entry-point checks shared by every backend (shapes, labels, temperature, upstream gradients).</summary>
internal static class LogProbChecks
{
    public static void Forward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        Span<float> entropy,
        Span<float> logProb)
    {
        Shape(logits, tokens, vocab, temperature);
        Optional(entropy.Length, tokens, "entropy");
        Optional(logProb.Length, tokens, "log_prob");
        if (logProb.Length > 0)
        {
            Labels(labels, tokens, vocab);
        }
    }

    public static void Backward(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<int> labels,
        int tokens,
        int vocab,
        float temperature,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        Span<float> gradLogits)
    {
        Shape(logits, tokens, vocab, temperature);
        Guard.Length(gradLogits, logits.Length, "grad_logits");
        Optional(gradEntropy.Length, tokens, "grad_entropy");
        Optional(gradLogProb.Length, tokens, "grad_log_prob");
        Guard.Finite(gradEntropy, "grad_entropy");
        Guard.Finite(gradLogProb, "grad_log_prob");
        if (gradLogProb.Length > 0)
        {
            Labels(labels, tokens, vocab);
        }
    }

    /// <summary>Throws for the first non-finite logit of <paramref name="row"/>, naming row and column.</summary>
    public static KernelInputException NonFiniteRow(ReadOnlySpan<float> logits, int row, int vocab)
    {
        var values = logits.Slice(row * vocab, vocab);
        int col = Math.Max(0, Guard.FirstNonFinite(values));
        return new KernelInputException("logits", $"value {values[col]} at column {col} is not finite", row);
    }

    private static void Shape(ReadOnlySpan<float> logits, int tokens, int vocab, float temperature)
    {
        if (tokens < 0)
        {
            throw new KernelInputException("tokens", $"must be non-negative, got {tokens}");
        }

        Guard.Positive(vocab, "vocab");
        if ((long)tokens * vocab != logits.Length)
        {
            throw new KernelInputException(
                "logits",
                $"expected tokens×vocab = {tokens}×{vocab} = {(long)tokens * vocab} elements, got {logits.Length}");
        }

        if (!float.IsFinite(temperature) || temperature <= 0f)
        {
            throw new KernelInputException("temperature", $"must be positive and finite, got {temperature}");
        }
    }

    private static void Optional(int length, int tokens, string field)
    {
        if (length != 0 && length != tokens)
        {
            throw new KernelInputException(field, $"expected {tokens} elements (one per token) or none, got {length}");
        }
    }

    private static void Labels(ReadOnlySpan<int> labels, int tokens, int vocab)
    {
        Guard.Length(labels, tokens, "labels");
        for (int t = 0; t < labels.Length; t++)
        {
            if ((uint)labels[t] >= (uint)vocab)
            {
                throw new KernelInputException("labels", $"label {labels[t]} outside [0, {vocab})", t);
            }
        }
    }
}
