namespace PerceptionJudge.Cli;

/// <summary>
/// A user error found by the CLI itself (bad JSON, wrong type, ragged rows, unknown op or field, unreadable file).
/// Same shape as <see cref="PerceptionJudge.Kernels.Runtime.KernelInputException"/>: the field and, where known,
/// the row, so both print as one line <c>field[row]: message</c>.
/// </summary>
internal sealed class CliInputException : Exception
{
    public CliInputException(string field, string message, int? row = null)
        : base(Format(field, message, row))
    {
        Field = field;
        Row = row;
    }

    public string Field { get; }

    public int? Row { get; }

    private static string Format(string field, string message, int? row) =>
        row is int r ? $"{field}[{r}]: {message}" : $"{field}: {message}";
}
