namespace PerceptionJudge.Data;

/// <summary>
/// The one user-error type of the Data library: a missing, corrupt or unsupported file, a bad record, a missing
/// native library. It carries the file (or library) and, for line-oriented inputs, the 1-based line.
/// The CLI prints the message on one line and exits with code 2.
/// </summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/>, optionally at 1-based <paramref name="line"/>.</summary>
    public DataException(string path, string message, int? line = null, Exception? inner = null)
        : base(Format(path, message, line), inner)
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file (or native library) at fault.</summary>
    public string Path { get; }

    /// <summary>The 1-based line of <see cref="Path"/> at fault, if the input is line-oriented.</summary>
    public int? Line { get; }

    private static string Format(string path, string message, int? line) =>
        line is int l ? $"{path}:{l}: {message}" : $"{path}: {message}";
}
