using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>The benchmark hook <c>pj_bench_add_loop</c> does the work of <c>Ops.Add</c>, in one native call.</summary>
[TestFixture]
public sealed class ShimBenchmarksTests : TorchTest
{
    [Test]
    public void AddLoop_ReturnsTheSameSumAsOpsAdd()
    {
        var a = F32([1f, 2f, 3f]);
        var b = F32([0.5f, -4f, 10f]);
        AssertClose(ShimBenchmarks.AddLoop(a, b, 7), Ops.Add(a, b).ToArray<float>());
        AssertClose(a, [1f, 2f, 3f]);
    }

    [Test]
    public void AddLoop_ThrowsAnArgumentErrorForFewerThanOneIteration()
    {
        var e = Assert.Throws<TorchException>(() => ShimBenchmarks.AddLoop(F32([1f]), F32([1f]), 0));
        Assert.That(e!.Message, Does.Contain("iters must be >= 1"));
        Assert.That(e.Status, Is.EqualTo(2));
    }
}
