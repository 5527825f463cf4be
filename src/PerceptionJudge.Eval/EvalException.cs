namespace PerceptionJudge.Eval;

/// <summary>
/// The one user-error type of the Eval library: a malformed judge-data or metrics file, a missing required field, a
/// label out of range, predictions that do not match the examples. It carries the file (or the input's name) and, for
/// line-oriented inputs, the 1-based line. The CLI prints the message on one line and exits with code 2.
/// </summary>
public sealed class EvalException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/>, optionally at 1-based <paramref name="line"/>.</summary>
    public EvalException(string path, string message, int? line = null, Exception? inner = null)
        : base(Format(path, message, line), inner)
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file (or named input) at fault.</summary>
    public string Path { get; }

    /// <summary>The 1-based line of <see cref="Path"/> at fault, if the input is line-oriented.</summary>
    public int? Line { get; }

    private static string Format(string path, string message, int? line) =>
        line is int l ? $"{path}:{l}: {message}" : $"{path}: {message}";
}
