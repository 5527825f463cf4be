namespace PerceptionJudge.Training;

/// <summary>
/// The one user-error type of the Training library: a bad config file, key or override, an invalid setting, a failed
/// or damaged checkpoint, a bad metrics file. The message names where the fault is (a file and line, a config key,
/// an override, a checkpoint folder) and what to do. The CLI prints it on one line and exits with code 2.
/// </summary>
public sealed class TrainingException : Exception
{
    /// <summary>
    /// Creates the error for <paramref name="location"/> (a file, an override or a folder), optionally at 1-based
    /// <paramref name="line"/>.
    /// </summary>
    public TrainingException(string location, string message, int? line = null, Exception? inner = null)
        : base(Format(location, message, line), inner)
    {
        Location = location;
        Line = line;
    }

    /// <summary>Creates an error with a message only.</summary>
    public TrainingException(string message)
        : base(message)
    {
        Location = "";
    }

    /// <summary>Creates an error with a message and an inner cause.</summary>
    public TrainingException(string message, Exception inner)
        : base(message, inner)
    {
        Location = "";
    }

    /// <summary>Creates an error with no message.</summary>
    public TrainingException()
    {
        Location = "";
    }

    /// <summary>The file, override or folder at fault (empty when the message says it all).</summary>
    public string Location { get; }

    /// <summary>The 1-based line of <see cref="Location"/> at fault, if it is a line-oriented file.</summary>
    public int? Line { get; }

    private static string Format(string location, string message, int? line) =>
        line is int l ? $"{location}:{l}: {message}" : $"{location}: {message}";
}
