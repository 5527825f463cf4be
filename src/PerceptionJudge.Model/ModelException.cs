namespace PerceptionJudge.Model;

/// <summary>
/// The one user-error type of the Model library: a bad weights file, tokenizer or config. It names the file and,
/// where known, the item at fault (a tensor name, a JSON field).
/// </summary>
public sealed class ModelException : Exception
{
    /// <summary>Creates the error for <paramref name="file"/>, optionally naming <paramref name="item"/>.</summary>
    public ModelException(string file, string? item, string message, Exception? inner = null)
        : base(Format(file, item, message), inner)
    {
        File = file;
        Item = item;
    }

    /// <summary>Creates an error with a message only.</summary>
    public ModelException(string message)
        : base(message)
    {
        File = "";
    }

    /// <summary>Creates an error with a message and an inner cause.</summary>
    public ModelException(string message, Exception inner)
        : base(message, inner)
    {
        File = "";
    }

    /// <summary>Creates an error with no message.</summary>
    public ModelException()
    {
        File = "";
    }

    /// <summary>The file at fault (as given by the caller).</summary>
    public string File { get; }

    /// <summary>The tensor name or JSON field at fault, if one is known.</summary>
    public string? Item { get; }

    private static string Format(string file, string? item, string message) =>
        item is null ? $"{file}: {message}" : $"{file}: '{item}': {message}";
}
