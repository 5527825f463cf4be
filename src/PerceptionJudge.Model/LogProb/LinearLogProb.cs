using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.LogProb;

/// <summary>
/// Chosen-token log-probs and entropies of an LM head, <c>z = hidden · Wᵀ / T</c>, without ever holding the
/// <c>[N, V]</c> logits: the logits exist one <c>TokenChunk × VocabChunk</c> block at a time (libtorch matmul, BLAS),
/// folded into an online log-sum-exp (<see cref="IChunkedLogProbKernels"/>). Semantics: verl v0.6.0
/// <c>logprobs_from_logits</c> / <c>entropy_from_logits</c> on <c>logits.div_(temperature)</c>. Idea: Liger-Kernel's
/// <c>LigerFusedLinearCrossEntropy</c> (token chunks, full-V rows) and verl's <c>linear_cross_entropy</c>; this one
/// also cuts the vocabulary (memory is the block, independent of V), adds the entropy, and keeps the per-token statistics so
/// the backward recomputes each block once with no statistics pass.
/// <para>
/// Backward, per block (the logits block is recomputed, then overwritten in place by its gradient
/// <c>dX = (gL·(1[j = y] − p) + gH·(−p(z − Σ p·z))) / T</c>): <c>dH[block rows] += dX · W_c</c> and
/// <c>dW[block columns] += dXᵀ · H_c</c>. <see cref="Backward"/> hands them to libtorch's autograd so they flow into
/// the backbone. Cost: forward one matmul (2NVH flop), backward three (recompute, dH, dW) or two without dW.
/// </para>
/// Errors are <see cref="ModelException"/>s naming <c>hidden</c>, <c>weight</c>, <c>labels</c> or the upstream
/// gradient at fault.
/// </summary>
public static class LinearLogProb
{
    /// <summary>
    /// Entropy and log-prob of every token. <paramref name="hidden"/> is <c>[..., H]</c> float32 on the CPU (any
    /// leading dims, flattened to N tokens; it may require grad), <paramref name="weight"/> the lm_head weight
    /// <c>[V, H]</c>, <paramref name="labels"/> one token id per token in [0, V), or empty for entropy only.
    /// Runs without autograd; keep the result for <see cref="Backward"/>.
    /// </summary>
    public static LinearLogProbResult Forward(
        Tensor hidden, Tensor weight, ReadOnlySpan<int> labels, LinearLogProbOptions? options = null)
    {
        options ??= LinearLogProbOptions.Default;
        options.Validate();
        var (tokens, vocab, width) = CheckShapes(hidden, weight);
        if (labels.Length != 0 && labels.Length != tokens)
        {
            throw new ModelException(
                $"LinearLogProb: labels has {labels.Length} entries, hidden has {tokens} tokens; give one label per " +
                "token (or none for entropy only)");
        }

        LogSumExpState state;
        try
        {
            state = new LogSumExpState(tokens, vocab, options.Temperature, labels);
        }
        catch (KernelInputException e) when (e.Field == "labels")
        {
            throw new ModelException($"LinearLogProb: labels[{e.Row}]: {LabelMessage(e)} (vocabulary size {vocab})", e);
        }

        var kernels = ChunkedLogProbKernels.Current;
        using (LibTorch.NoGrad())
        using (LibTorch.NewDisposeScope())
        {
            var (h, w) = Flatten(hidden, weight, width);
            foreach (var (t0, tn, v0, vn) in Blocks(tokens, vocab, options))
            {
                using var block = LibTorch.NewDisposeScope();
                var logits = Ops.Linear(h.Narrow(0, t0, tn), w.Narrow(0, v0, vn));
                try
                {
                    kernels.Accumulate(logits.AsSpan<float>(), t0, tn, v0, vn, state);
                }
                catch (KernelInputException e) when (e.Field == "logits")
                {
                    throw NonFinite(h, e, v0, vn);
                }
            }
        }

        return new LinearLogProbResult(state, options, width);
    }

    /// <summary>
    /// d L / d hidden (shaped like <paramref name="hidden"/>) and, when <paramref name="weightGrad"/>, d L / d weight,
    /// given d L / d entropy and d L / d logProb per token (either may be empty: zero). Fresh tensors in the current
    /// dispose scope; autograd is not touched. Peak extra memory: one logits block plus two small matmul products.
    /// </summary>
    public static (Tensor GradHidden, Tensor? GradWeight) Gradients(
        Tensor hidden,
        Tensor weight,
        LinearLogProbResult forward,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb,
        bool weightGrad = false)
    {
        var (tokens, vocab, width) = CheckShapes(hidden, weight);
        if (tokens != forward.Tokens || vocab != forward.Vocab || width != forward.Hidden)
        {
            throw new ModelException(
                $"LinearLogProb: backward got hidden of {tokens} tokens × {width} and weight of {vocab} rows, " +
                $"but the forward ran on {forward.Tokens} tokens × {forward.Hidden} and {forward.Vocab} rows");
        }

        CheckUpstream(gradEntropy, tokens, "grad_entropy");
        CheckUpstream(gradLogProb, tokens, "grad_log_prob");
        if (gradLogProb.Length != 0 && forward.LogProb.Length == 0)
        {
            throw new ModelException("LinearLogProb: grad_log_prob given, but the forward ran without labels");
        }

        var kernels = ChunkedLogProbKernels.Current;
        using var noGrad = LibTorch.NoGrad();
        var gradHidden = Tensor.Zeros([tokens, width]);
        var gradWeight = weightGrad ? Tensor.Zeros([vocab, width]) : null;
        using (LibTorch.NewDisposeScope())
        {
            var (h, w) = Flatten(hidden, weight, width);
            foreach (var (t0, tn, v0, vn) in Blocks(tokens, vocab, forward.Options))
            {
                using var block = LibTorch.NewDisposeScope();
                var hc = h.Narrow(0, t0, tn);
                var wc = w.Narrow(0, v0, vn);
                var logits = Ops.Linear(hc, wc);
                var span = logits.AsSpan<float>();
                try
                {
                    kernels.Backward(span, t0, tn, v0, vn, forward.State, gradEntropy, gradLogProb, span);
                }
                catch (KernelInputException e) when (e.Field == "logits")
                {
                    throw NonFinite(h, e, v0, vn);
                }

                gradHidden.Narrow(0, t0, tn).Add_(Ops.MatMul(logits, wc));
                gradWeight?.Narrow(0, v0, vn).Add_(Ops.MatMul(logits.Transpose(0, 1), hc));
            }
        }

        if (hidden.Dim == 2)
        {
            return (gradHidden, gradWeight);
        }

        // A view of the same storage; the [N, H] handle is not needed any more.
        var shaped = gradHidden.Reshape(hidden.Shape);
        gradHidden.Dispose();
        return (shaped, gradWeight);
    }

    /// <summary>
    /// Computes <see cref="Gradients"/> for whichever of <paramref name="hidden"/> and <paramref name="weight"/>
    /// requires grad and runs libtorch's backward with them, so they reach the backbone (and the weight's
    /// <c>.grad</c>). One of them: <c>x.Backward(dx)</c>. Both: one backward of the surrogate
    /// <c>Σ hidden ⊙ dH + Σ W ⊙ dW</c>, whose gradients are exactly dH and dW, so a graph they share (tied
    /// embeddings) is walked once.
    /// </summary>
    public static void Backward(
        Tensor hidden,
        Tensor weight,
        LinearLogProbResult forward,
        ReadOnlySpan<float> gradEntropy,
        ReadOnlySpan<float> gradLogProb)
    {
        bool hiddenGrad = hidden.RequiresGrad, weightGrad = weight.RequiresGrad;
        if (!hiddenGrad && !weightGrad)
        {
            throw new ModelException(
                "LinearLogProb: neither hidden nor weight requires grad, so the backward has nowhere to go; use " +
                "Gradients for the raw tensors");
        }

        using var scope = LibTorch.NewDisposeScope();
        var (gradHidden, gradWeight) = Gradients(hidden, weight, forward, gradEntropy, gradLogProb, weightGrad);
        if (!weightGrad)
        {
            hidden.Backward(gradHidden);
        }
        else if (!hiddenGrad)
        {
            weight.Backward(gradWeight);
        }
        else
        {
            var surrogate = Ops.Add(Ops.Sum(Ops.Mul(hidden, gradHidden)), Ops.Sum(Ops.Mul(weight, gradWeight!)));
            surrogate.Backward();
        }
    }

    /// <summary>Blocks, vocabulary outermost: each weight chunk is read once per pass, hidden is the smaller.</summary>
    private static IEnumerable<(int T0, int Tn, int V0, int Vn)> Blocks(
        int tokens, int vocab, LinearLogProbOptions options)
    {
        for (int v0 = 0; v0 < vocab; v0 += options.VocabChunk)
        {
            for (int t0 = 0; t0 < tokens; t0 += options.TokenChunk)
            {
                int tn = Math.Min(options.TokenChunk, tokens - t0), vn = Math.Min(options.VocabChunk, vocab - v0);
                yield return (t0, tn, v0, vn);
            }
        }
    }

    private static (int Tokens, int Vocab, int Width) CheckShapes(Tensor hidden, Tensor weight)
    {
        if (weight.Dim != 2)
        {
            throw new ModelException(
                $"LinearLogProb: weight must be the lm_head weight [V, H], got [{string.Join(", ", weight.Shape)}]");
        }

        if (hidden.Dim < 2 || hidden.Size(-1) != weight.Size(1))
        {
            throw new ModelException(
                $"LinearLogProb: hidden [{string.Join(", ", hidden.Shape)}] must be [..., H] with H = " +
                $"{weight.Size(1)}, the width of weight [{string.Join(", ", weight.Shape)}]");
        }

        foreach (var (tensor, name) in new[] { (hidden, "hidden"), (weight, "weight") })
        {
            if (tensor.Dtype != DType.Float32 || tensor.Device != DeviceType.Cpu)
            {
                throw new ModelException(
                    $"LinearLogProb: {name} must be float32 on the CPU, got {tensor.Dtype} on {tensor.Device}; " +
                    "convert it with .To(DType.Float32)");
            }
        }

        long tokens = hidden.Numel / hidden.Size(-1);
        if (tokens > int.MaxValue || weight.Size(0) > int.MaxValue || tokens == 0)
        {
            throw new ModelException(
                $"LinearLogProb: {tokens} tokens and {weight.Size(0)} vocabulary rows must be in [1, 2^31)");
        }

        return ((int)tokens, (int)weight.Size(0), (int)weight.Size(1));
    }

    private static (Tensor H, Tensor W) Flatten(Tensor hidden, Tensor weight, int width) =>
        (hidden.Detach().Reshape(-1, width).Contiguous(), weight.Detach().Contiguous());

    private static void CheckUpstream(ReadOnlySpan<float> grad, int tokens, string name)
    {
        if (grad.Length != 0 && grad.Length != tokens)
        {
            throw new ModelException(
                $"LinearLogProb: {name} has {grad.Length} entries, expected one per token ({tokens}) or none");
        }

        int bad = Guard.FirstNonFinite(grad);
        if (bad >= 0)
        {
            throw new ModelException($"LinearLogProb: {name}[{bad}]: value {grad[bad]} is not finite");
        }
    }

    private static string LabelMessage(KernelInputException e) =>
        e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..];

    /// <summary>Names the hidden row when it holds NaN/Inf, else the weight rows of the block.</summary>
    private static ModelException NonFinite(Tensor h, KernelInputException e, int v0, int vn)
    {
        int row = e.Row ?? 0;
        var values = h.Narrow(0, row, 1).ToArray<float>();
        int col = Guard.FirstNonFinite(values);
        return col >= 0
            ? new ModelException(
                $"LinearLogProb: hidden[{row}]: value {values[col]} at column {col} is not finite; check the " +
                "backbone's output for that token", e)
            : new ModelException(
                $"LinearLogProb: weight rows [{v0}, {v0 + vn}) give non-finite logits for token {row} ({e.Message}); " +
                "the lm_head weight holds NaN/Inf or the logits overflow float32", e);
    }
}
