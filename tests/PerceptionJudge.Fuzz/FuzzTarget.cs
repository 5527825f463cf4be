namespace PerceptionJudge.Fuzz;

/// <summary>
/// One fuzz target: a parser of outside input driven from raw bytes. <see cref="Run"/> either returns (the input
/// parsed to a value) or throws; the property (<see cref="FuzzProperty"/>) accepts only the library's own user-error
/// types listed in <see cref="UserErrors"/>, with a message, and flags every other exception, a hang and an
/// allocation beyond <see cref="FuzzProperty.AllocationLimit"/>.
/// </summary>
/// <param name="Name">Registry name, also the corpus folder (<c>corpus/NAME</c>) and the AFL++ argument.</param>
/// <param name="Description">What the input is and which library code reads it.</param>
/// <param name="Run">Parses one input; throws only user errors when the code is right.</param>
/// <param name="UserErrors">The exception types that are a correct refusal of bad input.</param>
/// <param name="Dictionary">Tokens the mutators insert (and the AFL++ <c>-x</c> dictionary): the format's keywords.
/// </param>
/// <param name="CiMutations">Seeded mutations the CI replay runs (fewer for targets that encode images per row).
/// </param>
public sealed record FuzzTarget(
    string Name,
    string Description,
    Action<byte[]> Run,
    IReadOnlyList<Type> UserErrors,
    IReadOnlyList<string> Dictionary,
    int CiMutations = 2000)
{
    /// <summary>True when <paramref name="e"/> is one of this target's user-error types.</summary>
    public bool IsUserError(Exception e) => UserErrors.Contains(e.GetType());
}
