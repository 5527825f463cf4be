namespace PerceptionJudge.Distributed.Tests;

[TestFixture]
public sealed class SingleProcessCommunicatorTests : IDisposable
{
    private readonly SingleProcessCommunicator _single = new();

    public void Dispose() => _single.Dispose();

    [Test]
    public void RankAndSize_AreZeroAndOne()
    {
        Assert.That(_single.Rank, Is.EqualTo(0));
        Assert.That(_single.Size, Is.EqualTo(1));
        Assert.That(_single.Backend, Is.EqualTo("single"));
    }

    [Test]
    public void AllReduceSum_IsTheIdentity()
    {
        float[] floats = [1.5f, -2f, float.MaxValue, float.Epsilon];
        double[] doubles = [1.5, -2, double.MaxValue, double.Epsilon];
        float[] floatsBefore = [.. floats];
        double[] doublesBefore = [.. doubles];
        _single.AllReduceSum(floats);
        _single.AllReduceSum(doubles);
        Assert.That(floats, Is.EqualTo(floatsBefore));
        Assert.That(doubles, Is.EqualTo(doublesBefore));
    }

    [TestCase(ReduceOp.Sum)]
    [TestCase(ReduceOp.Max)]
    [TestCase(ReduceOp.Min)]
    public void AllReduce_OfStatisticsOverOneRank_IsTheIdentity(ReduceOp op)
    {
        double[] statistics = [3.25, -1, 0];
        _single.AllReduce(statistics, op);
        Assert.That(statistics, Is.EqualTo(new[] { 3.25, -1, 0 }));
    }

    [Test]
    public void AllReduce_ThrowsForUnknownOp() =>
        Assert.That(() => _single.AllReduce(new double[1], (ReduceOp)7),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Sum, Max or Min"));

    [Test]
    public void Broadcast_FromRankZero_LeavesTheBuffer()
    {
        byte[] bytes = [1, 2, 3];
        float[] floats = [4f, 5f];
        _single.Broadcast(bytes, root: 0);
        _single.Broadcast(floats, root: 0);
        Assert.That(bytes, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(floats, Is.EqualTo(new[] { 4f, 5f }));
    }

    [TestCase(1)]
    [TestCase(-1)]
    public void Broadcast_ThrowsForARootOutsideTheJob(int root) =>
        Assert.That(() => _single.Broadcast(new byte[4], root),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("root must be a rank in [0, 1)"));

    [Test]
    public void AllGather_CopiesThisRanksValues()
    {
        var ints = new int[3];
        var doubles = new double[2];
        _single.AllGather([7, 8, 9], ints);
        _single.AllGather([0.5, -0.5], doubles);
        Assert.That(ints, Is.EqualTo(new[] { 7, 8, 9 }));
        Assert.That(doubles, Is.EqualTo(new[] { 0.5, -0.5 }));
    }

    [Test]
    public void AllGather_ThrowsWhenTheOutputIsNotSizeTimesTheInput() =>
        Assert.That(() => _single.AllGather([1, 2], new int[3]),
            Throws.ArgumentException.With.Message.Contains("Size × input = 1 × 2 = 2"));
}
