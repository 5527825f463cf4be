namespace PerceptionJudge.Torch;

/// <summary>
/// An error reported by libtorch through TorchSharp (shape mismatch, bad dtype, ...), an argument our adapter refused,
/// or a missing native library. The message is libtorch's own, without its C++ backtrace.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a status code (see <see cref="Status"/>).</summary>
    public TorchException(string message, int status)
        : base(message)
    {
        Status = status;
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public TorchException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public TorchException()
    {
    }

    /// <summary>
    /// 1 libtorch error, 2 bad argument (refused before libtorch ran), <see cref="RuntimeMissing"/> the native runtime
    /// could not be loaded; 0 if not from an op.
    /// </summary>
    public int Status { get; }

    /// <summary><see cref="Status"/> of a libtorch / libLibTorchSharp that could not be loaded (a set-up error).</summary>
    public const int RuntimeMissing = 3;

    /// <summary>The native runtime could not be loaded: the user's set-up, not a bug.</summary>
    public bool IsRuntimeMissing => Status == RuntimeMissing;
}
