using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// HF <c>VisionAttention</c> (modeling_qwen2_vl.py; Qwen2.5-VL's is the same): fused <c>qkv</c> [3D, D] (rows q, k,
/// v; each split into heads), 2-D rotary on q and k (<see cref="QwenVisionRotary.Apply"/>), then bidirectional
/// attention softmax(q kᵀ · head_dim^−½) v inside each segment [cu[i−1], cu[i]) only, and <c>proj</c> [D, D];
/// both projections with bias. Segments run one at a time, so memory stays linear in the number of segments.
/// </summary>
public sealed class QwenVisionAttention : Module
{
    /// <summary>Attention of width <paramref name="width"/> over <paramref name="heads"/> heads.</summary>
    public QwenVisionAttention(int width, int heads, Initializer init)
    {
        Width = width;
        NumHeads = heads;
        Qkv = RegisterModule("qkv", init.Linear(width, 3L * width, bias: true));
        Proj = RegisterModule("proj", init.Linear(width, width, bias: true));
    }

    /// <summary>Width D.</summary>
    public int Width { get; }

    /// <summary>Heads.</summary>
    public int NumHeads { get; }

    /// <summary>Fused q/k/v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>
    /// x [L, D] → [L, D]; <paramref name="cuSeqlens"/> are the segment boundaries (0 first, L last),
    /// <paramref name="cos"/>/<paramref name="sin"/> [L, head_dim] float32.
    /// </summary>
    public Tensor Forward(Tensor x, IReadOnlyList<int> cuSeqlens, Tensor cos, Tensor sin)
    {
        using var scope = LibTorch.NewDisposeScope();
        long length = x.Size(0), headDim = Width / NumHeads;
        var qkv = Qkv.Forward(x);
        var q = QwenVisionRotary.Apply(Heads(0), cos, sin);
        var k = QwenVisionRotary.Apply(Heads(1), cos, sin);
        var v = Heads(2);
        var scale = 1.0 / Math.Sqrt(headDim);
        var parts = new List<Tensor>(cuSeqlens.Count);
        for (var i = 1; i < cuSeqlens.Count; i++)
        {
            long start = cuSeqlens[i - 1], size = cuSeqlens[i] - cuSeqlens[i - 1];
            if (size > 0)
            {
                parts.Add(Ops.ScaledDotProductAttention(
                    q.Narrow(1, start, size), k.Narrow(1, start, size), v.Narrow(1, start, size), scale: scale));
            }
        }
        var attended = parts.Count == 1 ? parts[0] : Ops.Cat(parts, 1);
        return Proj.Forward(attended.Transpose(0, 1).Reshape(length, Width)).MoveToOuterDisposeScope();

        // [L, D] slice `which` of qkv → [heads, L, head_dim].
        Tensor Heads(int which) =>
            qkv.Narrow(-1, which * (long)Width, Width).Reshape(length, NumHeads, headDim).Transpose(0, 1);
    }
}
