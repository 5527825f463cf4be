namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// The index bookkeeping of the Qwen2-VL / Qwen2.5-VL vision towers, in plain integers (HF transformers
/// modeling_qwen2_vl.py / modeling_qwen2_5_vl.py): attention segments, rotary positions, window order.
/// </summary>
public static class QwenVisionGrid
{
    /// <summary>
    /// Image (frame) boundaries: cu_seqlens = pad(cumsum(repeat_interleave(h·w, t)), (1, 0)): one segment of h·w
    /// patches per frame.
    /// </summary>
    public static int[] CuSeqlens(IReadOnlyList<(int T, int H, int W)> gridThw)
    {
        var cu = new List<int> { 0 };
        foreach (var (t, h, w) in gridThw)
        {
            for (var frame = 0; frame < t; frame++)
            {
                cu.Add(checked(cu[^1] + h * w));
            }
        }
        return [.. cu];
    }

    /// <summary>
    /// rot_pos_emb's (row, column) of each patch: per image, arange(h)/arange(w) over the h×w grid viewed as
    /// [h/m, m, w/m, m], permuted to [h/m, w/m, m, m] (each m×m merge window contiguous), repeated over t frames.
    /// </summary>
    public static (int Row, int Col)[] RotaryPositions(IReadOnlyList<(int T, int H, int W)> gridThw, int mergeSize)
    {
        var positions = new List<(int, int)>();
        foreach (var (t, h, w) in gridThw)
        {
            var frame = new List<(int, int)>(h * w);
            for (var bh = 0; bh < h / mergeSize; bh++)
            {
                for (var bw = 0; bw < w / mergeSize; bw++)
                {
                    for (var ih = 0; ih < mergeSize; ih++)
                    {
                        for (var iw = 0; iw < mergeSize; iw++)
                        {
                            frame.Add((bh * mergeSize + ih, bw * mergeSize + iw));
                        }
                    }
                }
            }
            for (var i = 0; i < t; i++)
            {
                positions.AddRange(frame);
            }
        }
        return [.. positions];
    }

    /// <summary>
    /// Qwen2.5-VL get_window_index: per image, the merge units (t, h/m, w/m) in row-major order are padded with −100
    /// to whole windows of <paramref name="mergerWindowSize"/>² units (HF pads a full extra window when the side is
    /// already a multiple), read window by window (frame, window row, window column, then row-major inside), padding
    /// dropped. cu_window_seqlens accumulates each window's unit count × m², then unique_consecutive removes the
    /// repeats empty windows leave.
    /// </summary>
    public static (int[] WindowIndex, int[] CuWindowSeqlens) WindowIndex(
        IReadOnlyList<(int T, int H, int W)> gridThw, int mergeSize, int mergerWindowSize)
    {
        var windowIndex = new List<int>();
        var cu = new List<int> { 0 };
        var offset = 0;
        var ws = mergerWindowSize;
        var unit = mergeSize * mergeSize;
        foreach (var (t, h, w) in gridThw)
        {
            int gh = h / mergeSize, gw = w / mergeSize;
            int padH = ws - (gh % ws), padW = ws - (gw % ws);
            int windowsH = (gh + padH) / ws, windowsW = (gw + padW) / ws;
            for (var frame = 0; frame < t; frame++)
            {
                for (var wh = 0; wh < windowsH; wh++)
                {
                    for (var ww = 0; ww < windowsW; ww++)
                    {
                        var count = 0;
                        for (var r = wh * ws; r < (wh + 1) * ws; r++)
                        {
                            for (var c = ww * ws; c < (ww + 1) * ws; c++)
                            {
                                if (r < gh && c < gw)
                                {
                                    windowIndex.Add(offset + (frame * gh + r) * gw + c);
                                    count++;
                                }
                            }
                        }
                        cu.Add(checked(cu[^1] + count * unit));
                    }
                }
            }
            offset += t * gh * gw;
        }
        var unique = new List<int>(cu.Count);
        foreach (var boundary in cu)
        {
            if (unique.Count == 0 || unique[^1] != boundary)
            {
                unique.Add(boundary);
            }
        }
        return ([.. windowIndex], [.. unique]);
    }

    /// <summary>The inverse permutation (torch.argsort of a permutation).</summary>
    public static int[] Inverse(IReadOnlyList<int> permutation)
    {
        var inverse = new int[permutation.Count];
        for (var i = 0; i < inverse.Length; i++)
        {
            inverse[permutation[i]] = i;
        }
        return inverse;
    }
}
