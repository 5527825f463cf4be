using PerceptionJudge.Cli.Math.Ops;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Math;

/// <summary>
/// The ops of <c>pjudge math</c>, by name (a <see cref="Registry{T}"/>: a duplicate name throws, an unknown name
/// is a user error listing the valid ones).
/// </summary>
internal sealed class MathOpTable
{
    private readonly Registry<MathOp> _registry = new("op");
    private readonly List<MathOp> _ops = [];

    public MathOpTable(IEnumerable<MathOp> ops)
    {
        foreach (var op in ops)
        {
            _registry.Add(op.Name, op);
            _ops.Add(op);
        }
    }

    /// <summary>Every op wired to a kernel family.</summary>
    public static MathOpTable CreateDefault() => new(AllOps.Create());

    /// <summary>Ops sorted by name.</summary>
    public IReadOnlyList<MathOp> Ops => [.. _ops.OrderBy(o => o.Name, StringComparer.Ordinal)];

    public MathOp Get(string name) => _registry.Get(name);
}
