namespace PerceptionJudge.Kernels.Runtime;

/// <summary>
/// The one user-error type of the kernel library: bad shapes, NaN/Inf inputs, unknown names.
/// It names the offending field (verl's parameter name where one exists) and, where known, the row.
/// </summary>
public sealed class KernelInputException : Exception
{
    /// <summary>Creates the error for <paramref name="field"/>, optionally at <paramref name="row"/>.</summary>
    public KernelInputException(string field, string message, int? row = null)
        : base(Format(field, message, row))
    {
        Field = field;
        Row = row;
    }

    /// <summary>The input that was wrong, e.g. <c>token_level_rewards</c>.</summary>
    public string Field { get; }

    /// <summary>The row (sequence) of <see cref="Field"/> at fault, if one is known.</summary>
    public int? Row { get; }

    private static string Format(string field, string message, int? row) =>
        row is int r ? $"{field}[{r}]: {message}" : $"{field}: {message}";
}
