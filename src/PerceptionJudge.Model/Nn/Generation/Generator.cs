using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Generation;

/// <summary>
/// Batched autoregressive decoding with a KV cache (HF <c>generate</c> for decoder-only models): one prefill over the
/// left-padded prompts, then one token per step; each step's attention mask grows by a column of ones and positions
/// follow it. A row ends at its first EOS and is padded afterwards; decoding stops when every row has ended or after
/// max_new_tokens. Draw t uses seed SplitMix64(seed, t), so runs are reproducible.
/// </summary>
public static class Generator
{
    /// <summary>
    /// Generates for int64 <paramref name="inputIds"/> [B, T], left-padded as <paramref name="attentionMask"/> [B, T]
    /// says (null: no padding), with optional images <paramref name="pixelValues"/> for the prompts' placeholders.
    /// </summary>
    public static GenerationResult Generate(
        VisionLanguageModel model, Tensor inputIds, Tensor? attentionMask, Tensor? pixelValues,
        GenerationOptions options)
    {
        options.Validate();
        if (inputIds.Dim != 2)
        {
            throw new ArgumentException(
                $"input_ids must be [batch, length], got [{string.Join(", ", inputIds.Shape)}]");
        }
        var batch = (int)inputIds.Size(0);
        var eos = options.EosTokenIds.ToHashSet();
        var tokens = new long[batch][];
        for (var b = 0; b < batch; b++)
        {
            tokens[b] = Enumerable.Repeat(options.PadTokenId, options.MaxNewTokens).ToArray();
        }
        var lengths = new int[batch];
        var finished = new bool[batch];
        var steps = 0;

        using var noGrad = LibTorch.NoGrad();
        using var scope = LibTorch.NewDisposeScope();
        using var cache = model.NewCache();
        var promptMask = attentionMask?.To(DType.Int64) ?? Tensor.Ones([batch, inputIds.Size(1)], DType.Int64);
        Tensor logits;
        using (var prefill = LibTorch.NewDisposeScope())
        {
            var hidden = model.ForwardHidden(inputIds, promptMask, pixelValues, cache);
            logits = LastLogits(model, hidden).MoveToOuterDisposeScope();
        }
        while (true)
        {
            using var step = LibTorch.NewDisposeScope();
            var next = LogitsSampler.Next(logits, options, StepSeed(options.Seed, steps)).ToArray<long>();
            for (var b = 0; b < batch; b++)
            {
                if (finished[b])
                {
                    next[b] = options.PadTokenId;
                    continue;
                }
                tokens[b][steps] = next[b];
                lengths[b]++;
                finished[b] = eos.Contains(next[b]);
            }
            steps++;
            if (steps == options.MaxNewTokens || finished.All(f => f))
            {
                break;
            }
            var mask = Ops.Cat([promptMask, Tensor.Ones([batch, steps], DType.Int64)], 1);
            var hidden = model.ForwardHidden(Tensor.From<long>(next, batch, 1), mask, null, cache);
            logits.Dispose();
            logits = LastLogits(model, hidden).MoveToOuterDisposeScope();
        }
        return new GenerationResult(tokens.Select(t => t[..steps]).ToArray(), lengths);
    }

    private static Tensor LastLogits(VisionLanguageModel model, Tensor hidden)
    {
        using var scope = LibTorch.NewDisposeScope();
        var last = hidden.Narrow(1, hidden.Size(1) - 1, 1).Squeeze(1);
        return model.ComputeLogits(last).MoveToOuterDisposeScope();
    }

    // SplitMix64 (Steele et al. 2014): an independent stream per step.
    private static ulong StepSeed(ulong seed, int step)
    {
        var z = seed + (ulong)(step + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
