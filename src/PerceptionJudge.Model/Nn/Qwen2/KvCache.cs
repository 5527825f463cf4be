using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// Keys and values of every decoder layer for incremental decoding (HF <c>DynamicCache</c>): per layer
/// [B, kv_heads, S, head_dim], after RoPE. The cache owns its tensors (outside any dispose scope) and frees them on
/// <see cref="Dispose"/> or when an update replaces them.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private bool _disposed;

    /// <summary>An empty cache for <paramref name="layers"/> decoder layers.</summary>
    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Number of layers.</summary>
    public int Layers => _keys.Length;

    /// <summary>Cached positions (S), 0 when empty.</summary>
    public long Length => _keys[0]?.Size(2) ?? 0;

    /// <summary>
    /// Appends the new keys/values [B, kv_heads, L, head_dim] of <paramref name="layer"/> along the sequence and
    /// returns the whole cached [B, kv_heads, S + L, head_dim] (owned by the cache; valid until the next update).
    /// </summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor keys, Tensor values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _keys[layer] = Append(_keys[layer], keys);
        _values[layer] = Append(_values[layer], values);
        return (_keys[layer]!, _values[layer]!);
    }

    /// <summary>Frees every cached tensor.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
    }

    private static Tensor Append(Tensor? cached, Tensor next)
    {
        if (cached is not null && (cached.Size(0) != next.Size(0) || cached.Size(1) != next.Size(1)))
        {
            throw new ArgumentException(
                $"KV cache holds [{string.Join(", ", cached.Shape)}] but the update is " +
                $"[{string.Join(", ", next.Shape)}]");
        }
        var updated = cached is null ? next.Contiguous() : Ops.Cat([cached, next], 2);
        updated.DetachFromDisposeScope();
        cached?.Dispose();
        return updated;
    }
}
