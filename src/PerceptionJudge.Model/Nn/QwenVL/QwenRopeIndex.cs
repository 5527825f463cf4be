using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVL;

/// <summary>
/// Qwen2-VL's 3-D position ids for M-RoPE (HF transformers modeling_qwen2_vl.py and modeling_qwen2_5_vl.py,
/// <c>get_rope_index</c>, images only). Per row, over its unmasked tokens: text runs count up by one on all three axes;
/// the image after a vision_start token, a grid of t × (h/m) × (w/m) placeholder tokens (m = spatial_merge_size), gets
/// (temporal, row, column) offsets added to st = (last block's max) + 1 + (text since the previous block); text after
/// it resumes at the image's max + 1. Padding positions hold 1. rope_delta = max position + 1 − T (T includes padding).
/// The temporal offset of an image is its grid index t for qwen2_vl and t · second_per_grid_t · tokens_per_second with
/// second_per_grid_t = 0 for qwen2_5_vl (HF sets 0 for images whatever second_per_grid_ts holds), so always 0.
/// Without image grids (HF: image_grid_thw None) a row is cumsum(mask) − 1 with padding 1 on all axes.
/// </summary>
public static class QwenRopeIndex
{
    /// <summary>
    /// Position ids [3, B, T] and rope deltas [B] of <paramref name="inputIds"/> [B, T] with
    /// <paramref name="attentionMask"/> [B, T] (1 token, 0 padding; null: no padding). <paramref name="imageGridThw"/>
    /// lists every image's (t, h, w) patch grid in order across the batch; null means no images (HF's text-only path).
    /// <paramref name="modelType"/> is <see cref="ModelConfig.Qwen2VLType"/> or <see cref="ModelConfig.Qwen25VLType"/>.
    /// A video (vision_start followed by <paramref name="videoTokenId"/>) is refused with a <see cref="ModelException"/>.
    /// </summary>
    public static (long[,,] PositionIds, long[] RopeDeltas) Compute(
        long[,] inputIds, long[,]? attentionMask, IReadOnlyList<(int T, int H, int W)>? imageGridThw,
        int spatialMergeSize, int imageTokenId, int visionStartTokenId, int? videoTokenId = null,
        string modelType = ModelConfig.Qwen2VLType)
    {
        int batch = inputIds.GetLength(0), length = inputIds.GetLength(1);
        CheckArguments(inputIds, attentionMask, spatialMergeSize, modelType);
        var positions = new long[3, batch, length];
        var deltas = new long[batch];
        if (imageGridThw is null)
        {
            TextOnly(attentionMask, positions, deltas);
            return (positions, deltas);
        }
        var temporalFromGrid = modelType == ModelConfig.Qwen2VLType;
        var imageIndex = 0;
        for (var row = 0; row < batch; row++)
        {
            var columns = Enumerable.Range(0, length).Where(j => attentionMask is null || attentionMask[row, j] == 1)
                .ToArray();
            var tokens = columns.Select(j => inputIds[row, j]).ToArray();
            if (tokens.Length == 0)
            {
                throw new ModelException($"get_rope_index: row {row} has no unmasked tokens");
            }
            var images = CountVision(tokens, row, imageTokenId, visionStartTokenId, videoTokenId);
            var axes = new[] { new List<long>(), new List<long>(), new List<long>() };
            long lastMax = -1; // max of the last appended block; -1 so the first block starts at 0
            var st = 0;
            for (var n = 0; n < images; n++)
            {
                var ed = Array.IndexOf(tokens, (long)imageTokenId, st);
                if (ed < 0)
                {
                    throw new ModelException(
                        $"get_rope_index: row {row} has no image placeholder (id {imageTokenId}) after token {st}");
                }
                if (imageIndex >= imageGridThw.Count)
                {
                    throw new ModelException(
                        $"get_rope_index: row {row} needs image {imageIndex + 1} but image_grid_thw lists " +
                        $"{imageGridThw.Count}");
                }
                var (t, h, w) = imageGridThw[imageIndex++];
                int gridH = h / spatialMergeSize, gridW = w / spatialMergeSize;
                if (t <= 0 || gridH <= 0 || gridW <= 0)
                {
                    throw new ModelException(
                        $"get_rope_index: image {imageIndex - 1} has grid ({t}, {h}, {w}), empty after merging " +
                        $"{spatialMergeSize}x{spatialMergeSize}");
                }
                if (ed + (long)t * gridH * gridW > tokens.Length)
                {
                    throw new ModelException(
                        $"get_rope_index: row {row}'s image {imageIndex - 1} needs {(long)t * gridH * gridW} " +
                        $"placeholders from token {ed} but the row has {tokens.Length} tokens; image_grid_thw does " +
                        "not match the image placeholders");
                }
                var textLength = ed - st;
                var start = lastMax + 1;
                for (var k = 0; k < textLength; k++)
                {
                    Append(axes, start + k, start + k, start + k);
                }
                var offset = start + textLength;
                lastMax = long.MinValue;
                for (var ti = 0; ti < t; ti++)
                {
                    for (var hi = 0; hi < gridH; hi++)
                    {
                        for (var wi = 0; wi < gridW; wi++)
                        {
                            var temporal = temporalFromGrid ? ti : 0;
                            Append(axes, temporal + offset, hi + offset, wi + offset);
                            lastMax = Math.Max(lastMax, Math.Max(temporal, Math.Max(hi, wi)) + offset);
                        }
                    }
                }
                st = ed + t * gridH * gridW;
            }
            if (st < tokens.Length)
            {
                var start = lastMax + 1;
                for (var k = 0; k < tokens.Length - st; k++)
                {
                    Append(axes, start + k, start + k, start + k);
                }
            }
            if (axes[0].Count != tokens.Length)
            {
                throw new ModelException(
                    $"get_rope_index: row {row}'s images need {axes[0].Count} positions but it has {tokens.Length} " +
                    "tokens; image_grid_thw does not match the image placeholders");
            }
            for (var a = 0; a < 3; a++)
            {
                for (var j = 0; j < length; j++)
                {
                    positions[a, row, j] = 1;
                }
                for (var k = 0; k < columns.Length; k++)
                {
                    positions[a, row, columns[k]] = axes[a][k];
                }
            }
            deltas[row] = axes.Max(axis => axis.Max()) + 1 - length;
        }
        return (positions, deltas);
    }

    /// <summary>
    /// Position ids [3, B, L] of <paramref name="length"/> new tokens after <paramref name="pastLength"/> cached ones
    /// (HF Qwen2VLModel.forward after prefill): past + j + rope_delta on all three axes. A batch larger than
    /// <paramref name="ropeDeltas"/> (HF expanded for num_return_sequences) repeats each delta batch / deltas times,
    /// consecutively (repeat_interleave).
    /// </summary>
    public static long[,,] DecodePositionIds(IReadOnlyList<long> ropeDeltas, int batch, long pastLength, int length)
    {
        if (ropeDeltas.Count == 0 || batch % ropeDeltas.Count != 0)
        {
            throw new ArgumentException(
                $"batch {batch} is not a multiple of the {ropeDeltas.Count} rope deltas", nameof(batch));
        }
        var repeat = batch / ropeDeltas.Count;
        var positions = new long[3, batch, length];
        for (var b = 0; b < batch; b++)
        {
            for (var j = 0; j < length; j++)
            {
                var p = pastLength + j + ropeDeltas[b / repeat];
                positions[0, b, j] = positions[1, b, j] = positions[2, b, j] = p;
            }
        }
        return positions;
    }

    /// <summary>Positions [3, B, T] as an int64 tensor for <see cref="Qwen2.Qwen2Model.Forward"/>.</summary>
    public static Tensor ToTensor(long[,,] positionIds)
    {
        var flat = new long[positionIds.Length];
        Buffer.BlockCopy(positionIds, 0, flat, 0, flat.Length * sizeof(long));
        return Tensor.From<long>(flat, positionIds.GetLength(0), positionIds.GetLength(1), positionIds.GetLength(2));
    }

    private static void TextOnly(long[,]? mask, long[,,] positions, long[] deltas)
    {
        int batch = positions.GetLength(1), length = positions.GetLength(2);
        for (var row = 0; row < batch; row++)
        {
            long cumulative = 0, max = long.MinValue;
            for (var j = 0; j < length; j++)
            {
                long p;
                if (mask is null)
                {
                    p = j;
                }
                else
                {
                    cumulative += mask[row, j];
                    p = mask[row, j] == 0 ? 1 : cumulative - 1;
                }
                positions[0, row, j] = positions[1, row, j] = positions[2, row, j] = p;
                max = Math.Max(max, p);
            }
            deltas[row] = mask is null ? 0 : max + 1 - length;
        }
    }

    /// <summary>Images in a row: vision_start tokens followed by the image placeholder; a video is refused.</summary>
    private static int CountVision(long[] tokens, int row, int imageTokenId, int visionStartTokenId, int? videoTokenId)
    {
        var images = 0;
        for (var k = 0; k < tokens.Length; k++)
        {
            if (tokens[k] != visionStartTokenId)
            {
                continue;
            }
            if (k + 1 == tokens.Length)
            {
                throw new ModelException(
                    $"get_rope_index: row {row} ends with vision_start (id {visionStartTokenId}); an image placeholder " +
                    "must follow it");
            }
            if (tokens[k + 1] == imageTokenId)
            {
                images++;
            }
            else if (videoTokenId is { } video && tokens[k + 1] == video)
            {
                throw new ModelException(
                    $"get_rope_index: row {row} holds a video (vision_start then id {video}); only images are supported");
            }
        }
        return images;
    }

    private static void CheckArguments(long[,] inputIds, long[,]? mask, int spatialMergeSize, string modelType)
    {
        if (modelType is not (ModelConfig.Qwen2VLType or ModelConfig.Qwen25VLType))
        {
            throw new ArgumentException($"model type '{modelType}' has no 3-D rope index", nameof(modelType));
        }
        if (spatialMergeSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(spatialMergeSize), spatialMergeSize, "must be > 0");
        }
        if (mask is null)
        {
            return;
        }
        if (mask.GetLength(0) != inputIds.GetLength(0) || mask.GetLength(1) != inputIds.GetLength(1))
        {
            throw new ArgumentException(
                $"attention_mask is [{mask.GetLength(0)}, {mask.GetLength(1)}] but input_ids is " +
                $"[{inputIds.GetLength(0)}, {inputIds.GetLength(1)}]", nameof(mask));
        }
        foreach (var m in mask)
        {
            if (m is not (0 or 1))
            {
                throw new ArgumentException($"attention_mask holds {m}; only 0 and 1 are allowed", nameof(mask));
            }
        }
    }

    private static void Append(List<long>[] axes, long temporal, long height, long width)
    {
        axes[0].Add(temporal);
        axes[1].Add(height);
        axes[2].Add(width);
    }
}
