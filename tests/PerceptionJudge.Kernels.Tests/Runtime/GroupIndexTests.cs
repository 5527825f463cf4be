using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Tests.Runtime;

[TestFixture]
public sealed class GroupIndexTests
{
    [Test]
    public void FromIds_MapsInterleavedStringsInFirstAppearanceOrder()
    {
        var index = GroupIndex.FromIds<string>(["b", "a", "b", "c", "a"]);
        Assert.That(index.GroupCount, Is.EqualTo(3));
        Assert.That(index.GroupOf.ToArray(), Is.EqualTo(new[] { 0, 1, 0, 2, 1 }));
        Assert.That(index.Offsets.ToArray(), Is.EqualTo(new[] { 0, 2, 4, 5 }));
        Assert.That(index.Members.ToArray(), Is.EqualTo(new[] { 0, 2, 1, 4, 3 }));
        Assert.That(index.RowsOf(1).ToArray(), Is.EqualTo(new[] { 1, 4 }));
    }

    [Test]
    public void FromDense_ThrowsForOutOfRangeIdNamingTheRow()
    {
        var ex = Assert.Throws<KernelInputException>(() => GroupIndex.FromDense([0, 3], 2));
        Assert.That(ex!.Row, Is.EqualTo(1));
        Assert.That(ex.Message, Does.Contain("index[1]"));
    }

    [Test]
    public void FromDense_ThrowsForEmptyGroup() =>
        Assert.Throws<KernelInputException>(() => GroupIndex.FromDense([0, 0], 2));

    [Test]
    public void Members_IsAPermutationGroupedAscending() =>
        Prop.ForAll<int[]>(ids =>
        {
            var index = GroupIndex.FromIds<int>(ids);
            var members = index.Members.ToArray();
            bool perm = members.Order().SequenceEqual(Enumerable.Range(0, ids.Length));
            bool grouped = Enumerable.Range(0, index.GroupCount).All(g =>
            {
                var rows = index.RowsOf(g).ToArray();
                return rows.All(r => index.GroupOf[r] == g) && rows.SequenceEqual(rows.Order());
            });
            return perm && grouped;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Finite_NamesRowAndColumnOfFirstNaN()
    {
        var values = new float[40];
        values[27] = float.NaN;
        var ex = Assert.Throws<KernelInputException>(() => Guard.Finite(values, "token_level_rewards", cols: 10));
        Assert.That(ex!.Row, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("column 7"));
    }
}
