using TorchSharp;

namespace PerceptionJudge.Torch;

/// <summary>
/// Turns autograd recording off on this thread until disposed, then restores the previous mode (torch.no_grad).
/// Dispose on the thread that created it.
/// </summary>
public sealed class NoGradScope : IDisposable
{
    private readonly IDisposable _mode;
    private bool _disposed;

    internal NoGradScope()
    {
        TorchRuntime.EnsureLoaded();
        _mode = torch.no_grad();
    }

    /// <summary>Restores the grad mode that was active when the scope opened.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _mode.Dispose();
    }
}
