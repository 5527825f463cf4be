namespace PerceptionJudge.Torch;

/// <summary>
/// Turns autograd recording off on this thread until disposed, then restores the previous mode (torch.no_grad).
/// Dispose on the thread that created it.
/// </summary>
public sealed class NoGradScope : IDisposable
{
    private readonly bool _previous;
    private bool _disposed;

    internal NoGradScope()
    {
        Native.EnsureLoaded();
        Native.Check(Native.pj_grad_mode_set(0, out var previous));
        _previous = previous != 0;
    }

    /// <summary>Restores the grad mode that was active when the scope opened.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Native.Check(Native.pj_grad_mode_set(_previous ? 1 : 0, out _));
    }
}
