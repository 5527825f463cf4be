using PerceptionJudge.Model.LogProb;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Grpo;

/// <summary>
/// Prompt + response rows packed for one forward: prompts left-padded to P, responses right-padded to R, so every
/// row's first response token sits at column P and the hidden state at column P − 1 + j predicts response token j
/// (the verl actor layout). Holds host arrays only; tensors are made per forward inside the caller's dispose scope.
/// A batch is all image rows or all text-only rows (every image empty, <see cref="JudgeSample.TextOnly"/>): the
/// decoder then runs without the vision tower.
/// </summary>
public sealed class SequenceBatch
{
    private readonly long[] _ids;
    private readonly long[] _mask;
    private readonly float[]? _pixels;

    /// <summary>Packs rows; <paramref name="pixels"/> holds one image (C·S·S floats) per row, or none (empty) in
    /// every row.</summary>
    public SequenceBatch(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses, IReadOnlyList<float[]> pixels,
        int imageSize, long padId)
    {
        if (prompts.Count == 0 || prompts.Count != responses.Count || prompts.Count != pixels.Count)
        {
            throw new ArgumentException(
                $"a sequence batch needs as many prompts ({prompts.Count}), responses ({responses.Count}) and " +
                $"images ({pixels.Count}), at least one");
        }

        Rows = prompts.Count;
        PromptLength = prompts.Max(p => p.Length);
        ResponseLength = Math.Max(1, responses.Max(r => r.Length));
        ImageSize = imageSize;
        int width = PromptLength + ResponseLength;
        _ids = new long[Rows * width];
        _mask = new long[Rows * width];
        Labels = new int[Rows * ResponseLength];
        ResponseMask = new float[Rows * ResponseLength];
        ResponseLengths = new int[Rows];
        int plane = 3 * imageSize * imageSize;
        bool textOnly = pixels.All(p => p.Length == 0);
        _pixels = textOnly ? null : new float[Rows * plane];
        for (int b = 0; b < Rows; b++)
        {
            var p = prompts[b];
            var r = responses[b];
            int offset = PromptLength - p.Length;
            for (int i = 0; i < width; i++)
            {
                long id = i < offset ? padId : i < PromptLength ? p[i - offset] : i - PromptLength < r.Length
                    ? r[i - PromptLength] : padId;
                bool real = i >= offset && i - PromptLength < r.Length;
                _ids[b * width + i] = id;
                _mask[b * width + i] = real ? 1 : 0;
            }

            for (int j = 0; j < r.Length; j++)
            {
                Labels[b * ResponseLength + j] = r[j];
                ResponseMask[b * ResponseLength + j] = 1f;
            }

            ResponseLengths[b] = r.Length;
            if (_pixels is null)
            {
                continue;
            }

            if (pixels[b].Length != plane)
            {
                throw new ArgumentException($"row {b}: image has {pixels[b].Length} floats, expected {plane} " +
                    "(a batch is all image rows or all text-only rows)");
            }

            pixels[b].CopyTo(_pixels.AsSpan(b * plane));
        }
    }

    /// <summary>Rows B.</summary>
    public int Rows { get; }

    /// <summary>P: the longest prompt.</summary>
    public int PromptLength { get; }

    /// <summary>R: the longest response (≥ 1).</summary>
    public int ResponseLength { get; }

    /// <summary>Side of the square images.</summary>
    public int ImageSize { get; }

    /// <summary>Response token ids [B·R] (padding: 0, masked out).</summary>
    public int[] Labels { get; }

    /// <summary>1 on response tokens, 0 on padding [B·R].</summary>
    public float[] ResponseMask { get; }

    /// <summary>Tokens of each response.</summary>
    public int[] ResponseLengths { get; }

    /// <summary>Valid response tokens in the batch.</summary>
    public int ValidTokens => ResponseLengths.Sum();

    /// <summary>
    /// The response-predicting hidden states [B, R, H] (a view into the decoder output, so gradients reach the
    /// backbone when autograd is on) and their log-probs and entropies at <paramref name="temperature"/>.
    /// </summary>
    public (Tensor Hidden, LinearLogProbResult LogProbs) Forward(VisionLanguageModel model, float temperature)
    {
        int width = PromptLength + ResponseLength;
        var ids = Tensor.From<long>(_ids, Rows, width);
        var mask = Tensor.From<long>(_mask, Rows, width);
        var pixels = _pixels is null ? null : Tensor.From<float>(_pixels, Rows, 3, ImageSize, ImageSize);
        // A sampled response may hold the <image> id: it is text there, as it was while decoding.
        var hidden = model.ForwardHidden(ids, mask, pixels, imageColumns: PromptLength)
            .Narrow(1, PromptLength - 1, ResponseLength);
        var result = NonFiniteException.Guard(
            () => LinearLogProb.Forward(
                hidden, model.LmHead.Weight, Labels, new LinearLogProbOptions(Temperature: temperature)),
            -1, "forward: ");
        return (hidden, result);
    }

    /// <summary>Per-token log-probs without autograd (old and reference policies).</summary>
    public float[] LogProbs(VisionLanguageModel model, float temperature)
    {
        using var noGrad = LibTorch.NoGrad();
        using var scope = LibTorch.NewDisposeScope();
        return Forward(model, temperature).LogProbs.LogProb;
    }
}
