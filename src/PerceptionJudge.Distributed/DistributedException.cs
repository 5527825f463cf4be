namespace PerceptionJudge.Distributed;

/// <summary>
/// The user error of the distributed layer: a missing Open MPI, a failed collective (with MPI_Error_string's text and
/// the rank), or ranks that disagree about what they exchange (gradient layouts, buffer sizes).
/// </summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the error with its message.</summary>
    public DistributedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with its message and the MPI error code that caused it.</summary>
    public DistributedException(string message, int mpiErrorCode)
        : base(message)
    {
        MpiErrorCode = mpiErrorCode;
    }

    /// <summary>The MPI error code (MPI_SUCCESS = 0 when the error did not come from MPI).</summary>
    public int MpiErrorCode { get; }
}
