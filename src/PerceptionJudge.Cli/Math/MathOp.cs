using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;

namespace PerceptionJudge.Cli.Math;

/// <summary>A named list of valid values of one input field, e.g. <c>estimator</c>: grpo, rloo, ….</summary>
internal sealed record NameChoices(string Field, IReadOnlyList<string> Names);

/// <summary>
/// One RL-math op of <c>pjudge math</c>: a thin adapter from a JSON object with verl's parameter names to one
/// kernel call and back. Adapters only read, shape-check and forward; the math lives in the kernel library.
/// </summary>
internal abstract class MathOp
{
    /// <summary>The op name used on the command line and in batch lines, e.g. <c>advantage</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line: what it computes and the output fields.</summary>
    public abstract string Description { get; }

    public abstract IReadOnlyList<string> Required { get; }

    public virtual IReadOnlyList<string> Optional => [];

    /// <summary>Registries of names this op accepts (estimators, modes, …), for <c>pjudge math list</c>.</summary>
    public virtual IReadOnlyList<NameChoices> Choices => [];

    /// <summary>Rejects unknown fields, then evaluates.</summary>
    public JsonObject Run(JsonInput input)
    {
        input.RejectUnknown([.. Required, .. Optional]);
        return Evaluate(input);
    }

    protected abstract JsonObject Evaluate(JsonInput input);

    /// <summary>
    /// Reads a registry name (estimator, loss mode, …) and checks it here, so the error names the field the user
    /// wrote (the kernel registries name theirs after verl's config keys).
    /// </summary>
    protected static string Choose(JsonInput input, string field, IReadOnlyList<string> valid, string? fallback = null)
    {
        string name = fallback is null ? input.String(field) : input.String(field, fallback);
        return valid.Contains(name)
            ? name
            : throw new CliInputException(field, $"unknown name '{name}'; valid names: {string.Join(", ", valid)}");
    }
}
