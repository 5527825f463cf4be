namespace PerceptionJudge.Fuzz;

/// <summary>
/// A violated fuzz property: an exception of a type the target does not allow, a user error without a message, a
/// hang or an allocation beyond the limit. Under AFL++ it escapes the target, so AFL++ records a crash.
/// </summary>
public sealed class FuzzPropertyException : Exception
{
    /// <summary>Creates the violation with what went wrong and, for a foreign exception, that exception.</summary>
    public FuzzPropertyException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates a violation with no message (required by the analyzers; not used).</summary>
    public FuzzPropertyException()
    {
    }

    /// <summary>Creates a violation with a message (required by the analyzers).</summary>
    public FuzzPropertyException(string message)
        : base(message)
    {
    }
}
