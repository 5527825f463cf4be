using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Generation;

/// <summary>
/// Picks the next token from last-position logits with HF's sampling warpers in HF's order: temperature
/// (<c>TemperatureLogitsWarper</c>: scores / T), top-k (<c>TopKLogitsWarper</c>: drop scores below the k-th largest),
/// top-p (<c>TopPLogitsWarper</c>: sort ascending, drop tokens whose cumulative probability is ≤ 1 − p, always keep
/// the most likely one), then a multinomial draw from the softmax. Filtering and the draw run in the ascending
/// sorted order; the draw is mapped back to the token id.
/// </summary>
public static class LogitsSampler
{
    /// <summary>Next token per row, int64 [B], from <paramref name="logits"/> [B, V].</summary>
    public static Tensor Next(Tensor logits, GenerationOptions options, ulong seed)
    {
        using var scope = LibTorch.NewDisposeScope();
        if (options.Temperature == 0)
        {
            return Ops.ArgMax(logits, -1).MoveToOuterDisposeScope();
        }
        var scores = Ops.Mul(logits.To(DType.Float32), 1.0 / options.Temperature);
        var vocab = scores.Size(-1);
        var topK = options.TopK > 0 ? Math.Min(options.TopK, vocab) : vocab;
        if (topK == vocab && options.TopP >= 1)
        {
            return Ops.Multinomial(Ops.Softmax(scores, -1), 1, seed).Squeeze(-1).MoveToOuterDisposeScope();
        }
        var (sorted, indices) = Ops.TopK(scores, vocab, -1, largest: false);      // ascending
        var filtered = FilterSorted(sorted, topK, options.TopP);
        var draw = Ops.Multinomial(Ops.Softmax(filtered, -1), 1, seed);          // [B, 1] sorted positions
        return Ops.Gather(indices, -1, draw).Squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Top-k then top-p on ascending sorted scores [B, V]: removed entries become −inf. Exposed for tests.
    /// </summary>
    public static Tensor FilterSorted(Tensor sortedAscending, long topK, double topP)
    {
        using var scope = LibTorch.NewDisposeScope();
        var vocab = sortedAscending.Size(-1);
        var scores = sortedAscending;
        if (topK < vocab)
        {
            var kth = scores.Narrow(-1, vocab - topK, 1);                           // k-th largest, [B, 1]
            scores = Ops.MaskedFill(scores, Ops.Lt(scores, kth), double.NegativeInfinity);
        }
        if (topP < 1)
        {
            var cumulative = Ops.Cumsum(Ops.Softmax(scores, -1), -1);
            var last = Ops.Eq(Tensor.Arange(0, vocab), Tensor.Scalar(vocab - 1, DType.Int64));
            cumulative = Ops.MaskedFill(cumulative, last, double.PositiveInfinity); // min_tokens_to_keep = 1
            var remove = Ops.LogicalNot(Ops.Gt(cumulative, Tensor.Scalar(1 - topP)));
            scores = Ops.MaskedFill(scores, remove, double.NegativeInfinity);
        }
        return scores.Clone().MoveToOuterDisposeScope();
    }
}
