using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// Position ids and the boolean attention mask for a (possibly left-padded, possibly cached) batch, from HF's 2-D
/// <c>attention_mask</c> [B, S] (1 = token, 0 = padding) covering the cached past and the L new tokens (S = past + L).
/// </summary>
public static class AttentionMask
{
    /// <summary>
    /// HF generate's position ids: <c>cumsum(mask, -1) − 1</c>, padding set to 1, the last L columns. Without a mask:
    /// past, past + 1, ..., past + L − 1 for every row.
    /// </summary>
    public static Tensor PositionIds(Tensor? attentionMask, long batch, long length, long pastLength)
    {
        using var scope = LibTorch.NewDisposeScope();
        Tensor positions;
        if (attentionMask is null)
        {
            positions = Ops.Expand(Tensor.Arange(pastLength, pastLength + length).Unsqueeze(0), batch, length);
        }
        else
        {
            var mask = attentionMask.To(DType.Int64);
            var cumulative = Ops.Sub(Ops.Cumsum(mask, -1), Tensor.Scalar(1, DType.Int64));
            var padding = Ops.Eq(mask, Tensor.Scalar(0, DType.Int64));
            positions = Ops.MaskedFill(cumulative, padding, 1).Narrow(1, mask.Size(1) - length, length);
        }
        return positions.Contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A bool mask [B, 1, L, S] that sdpa keeps where true: query i (absolute position past + i) sees key j when
    /// j ≤ past + i and key j is a token. A padding query would see nothing and give NaN (0·NaN then leaks into real
    /// rows through the values), so it sees itself; HF's sdpa path does the same job with
    /// <c>AttentionMaskConverter._unmask_unattended</c>. Outputs at padding positions are meaningless either way.
    /// </summary>
    public static Tensor CausalKeep(Tensor attentionMask, long length)
    {
        using var scope = LibTorch.NewDisposeScope();
        var total = attentionMask.Size(1);
        var past = total - length;
        var keys = Tensor.Arange(0, total).Unsqueeze(0);                   // [1, S]
        var queries = Tensor.Arange(past, total).Unsqueeze(1);             // [L, 1]
        var causal = Ops.LogicalNot(Ops.Gt(keys, queries));               // j <= past + i
        var self = Ops.Eq(keys, queries);                                  // j == past + i
        var mask = attentionMask.To(DType.Int64);                          // any dtype: bool, int, float
        var valid = Ops.Gt(mask, Tensor.Scalar(0, DType.Int64)).Unsqueeze(1).Unsqueeze(1);
        return Ops.Where(valid, causal, self).MoveToOuterDisposeScope();   // [B, 1, L, S]
    }
}
