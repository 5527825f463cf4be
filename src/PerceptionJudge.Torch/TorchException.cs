namespace PerceptionJudge.Torch;

/// <summary>
/// An error reported by libtorch through the shim (shape mismatch, bad dtype, ...), an argument the shim refused, or a
/// missing native library. The message is libtorch's own, without its C++ backtrace.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the shim's status code.</summary>
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

    /// <summary>The shim's status: 1 libtorch error, 2 bad argument, 3 unknown; 0 if not from a native call.</summary>
    public int Status { get; }
}
