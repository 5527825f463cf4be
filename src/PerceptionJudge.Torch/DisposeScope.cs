namespace PerceptionJudge.Torch;

/// <summary>
/// Frees every tensor created on this thread while it is the innermost scope, when it is disposed (TorchSharp
/// <c>docfx/articles/memory.md</c>). Put one around each training step. Parameters and results that must outlive the
/// step leave with <see cref="MoveToOuter"/> (to the enclosing scope, or to no scope) or <see cref="DetachFromScope"/>.
/// Scopes nest and must be disposed innermost first, on the thread that opened them.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic]
    private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private readonly int _threadId;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = t_current;
        _threadId = Environment.CurrentManagedThreadId;
        t_current = this;
    }

    /// <summary>The innermost open scope on this thread, or null.</summary>
    public static DisposeScope? Current => t_current;

    /// <summary>Tensors this scope will free.</summary>
    public int Count => _tensors.Count;

    /// <summary>The enclosing scope, or null.</summary>
    public DisposeScope? Outer => _outer;

    /// <summary>Moves <paramref name="tensor"/> to the enclosing scope (or to none) and returns it.</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        if (_tensors.Remove(tensor))
        {
            tensor.Scope = null;
            _outer?.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Takes <paramref name="tensor"/> out of every scope: the caller now disposes it.</summary>
    public Tensor DetachFromScope(Tensor tensor)
    {
        if (_tensors.Remove(tensor))
        {
            tensor.Scope = null;
        }
        return tensor;
    }

    /// <summary>Puts an unscoped tensor under this scope and returns it.</summary>
    public Tensor Include(Tensor tensor)
    {
        tensor.Scope?.DetachFromScope(tensor);
        Add(tensor);
        return tensor;
    }

    /// <summary>Frees the scope's tensors and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        if (t_current != this || Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException(
                "DisposeScope disposed out of order: dispose the innermost scope first, on the thread that opened it");
        }
        _disposed = true;
        t_current = _outer;
        foreach (var tensor in _tensors)
        {
            tensor.Scope = null;
            tensor.Dispose();
        }
        _tensors.Clear();
    }

    internal static void Register(Tensor tensor) => t_current?.Add(tensor);

    internal void Add(Tensor tensor)
    {
        if (_disposed)
        {
            return;
        }
        _tensors.Add(tensor);
        tensor.Scope = this;
    }

    internal void Forget(Tensor tensor) => _tensors.Remove(tensor);
}
