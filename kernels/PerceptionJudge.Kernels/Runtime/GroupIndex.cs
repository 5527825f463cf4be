namespace PerceptionJudge.Kernels.Runtime;

/// <summary>
/// Groups of rows given by arbitrary, interleaved ids, mapped once to dense ids <c>0..GroupCount-1</c>
/// in order of first appearance, plus a CSR layout (<see cref="Offsets"/>, <see cref="Members"/>) so a
/// segmented reduction is one pass with a fixed order: rows of a group are summed in row order.
/// </summary>
public sealed class GroupIndex
{
    private readonly int[] _groupOf;
    private readonly int[] _offsets;
    private readonly int[] _members;

    private GroupIndex(int[] groupOf, int groupCount)
    {
        _groupOf = groupOf;
        GroupCount = groupCount;
        _offsets = new int[groupCount + 1];
        foreach (int g in groupOf)
        {
            _offsets[g + 1]++;
        }

        for (int g = 0; g < groupCount; g++)
        {
            _offsets[g + 1] += _offsets[g];
        }

        _members = new int[groupOf.Length];
        var cursor = _offsets.AsSpan(0, groupCount).ToArray();
        for (int row = 0; row < groupOf.Length; row++)
        {
            _members[cursor[groupOf[row]]++] = row;
        }
    }

    /// <summary>Number of rows.</summary>
    public int Rows => _groupOf.Length;

    /// <summary>Number of distinct groups.</summary>
    public int GroupCount { get; }

    /// <summary>Dense group id of each row.</summary>
    public ReadOnlySpan<int> GroupOf => _groupOf;

    /// <summary>CSR offsets, length <c>GroupCount + 1</c>: group g owns <c>Members[Offsets[g]..Offsets[g+1]]</c>.</summary>
    public ReadOnlySpan<int> Offsets => _offsets;

    /// <summary>Row numbers sorted by group, ascending within a group.</summary>
    public ReadOnlySpan<int> Members => _members;

    /// <summary>Size of group <paramref name="g"/>.</summary>
    public int SizeOf(int g) => _offsets[g + 1] - _offsets[g];

    /// <summary>Rows of group <paramref name="g"/>, ascending.</summary>
    public ReadOnlySpan<int> RowsOf(int g) => _members.AsSpan(_offsets[g], SizeOf(g));

    /// <summary>Maps arbitrary ids (strings, ints, uids) to dense groups in order of first appearance.</summary>
    public static GroupIndex FromIds<T>(ReadOnlySpan<T> ids)
        where T : notnull
    {
        var map = new Dictionary<T, int>();
        var groupOf = new int[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] is null)
            {
                throw new KernelInputException("index", "group id is null", i);
            }

            if (!map.TryGetValue(ids[i], out int g))
            {
                g = map.Count;
                map.Add(ids[i], g);
            }

            groupOf[i] = g;
        }

        return new GroupIndex(groupOf, map.Count);
    }

    /// <summary>Wraps ids that are already dense (<c>0 ≤ id &lt; groupCount</c>); every group must be non-empty.</summary>
    public static GroupIndex FromDense(ReadOnlySpan<int> dense, int groupCount)
    {
        var seen = new bool[groupCount];
        for (int i = 0; i < dense.Length; i++)
        {
            if ((uint)dense[i] >= (uint)groupCount)
            {
                throw new KernelInputException("index", $"dense group id {dense[i]} outside [0, {groupCount})", i);
            }

            seen[dense[i]] = true;
        }

        int empty = Array.IndexOf(seen, false);
        if (empty >= 0)
        {
            throw new KernelInputException("index", $"group {empty} has no rows");
        }

        return new GroupIndex(dense.ToArray(), groupCount);
    }
}
