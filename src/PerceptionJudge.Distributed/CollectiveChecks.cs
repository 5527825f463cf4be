namespace PerceptionJudge.Distributed;

/// <summary>Argument checks shared by every <see cref="ICommunicator"/>: the same message on every backend.</summary>
internal static class CollectiveChecks
{
    internal static void Root(int root, int size, string operation)
    {
        if ((uint)root >= (uint)size)
        {
            throw new ArgumentOutOfRangeException(
                nameof(root), root, $"{operation}: root must be a rank in [0, {size}), got {root}.");
        }
    }

    internal static void Gathered(int mine, int all, int size, string operation)
    {
        if ((long)mine * size != all)
        {
            throw new ArgumentException(
                $"{operation}: the output holds {all} values but Size × input = {size} × {mine} = {(long)mine * size}.",
                nameof(all));
        }
    }

    internal static void Op(ReduceOp op)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Max or ReduceOp.Min))
        {
            throw new ArgumentOutOfRangeException(nameof(op), op, "ReduceOp must be Sum, Max or Min.");
        }
    }
}
