using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Whether a <see cref="GroupIndex"/> is verl's usual layout: every group the same size, its rows consecutive
/// (<c>GroupOf[i] = i / size</c>). Computed once per (immutable) index and cached, so the O(rows) check is not
/// repeated by each estimator call.
/// </summary>
internal static class GroupLayout
{
    private static readonly ConditionalWeakTable<GroupIndex, object> s_sizes = [];

    /// <summary>The common group size when groups are uniform and contiguous, else 0.</summary>
    public static int ContiguousSize(GroupIndex index) =>
        (int)s_sizes.GetValue(index, static i => Compute(i));

    private static object Compute(GroupIndex index)
    {
        var offsets = index.Offsets;
        int size = offsets[1];
        for (int g = 1; g < offsets.Length; g++)
        {
            if (offsets[g] != g * size)
            {
                return 0;
            }
        }

        var members = index.Members;
        for (int k = 0; k < members.Length; k++)
        {
            if (members[k] != k)
            {
                return 0;
            }
        }

        return size;
    }
}
