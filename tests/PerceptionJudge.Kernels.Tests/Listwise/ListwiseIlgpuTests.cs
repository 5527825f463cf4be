using PerceptionJudge.Kernels.Listwise;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Listwise;

/// <summary>
/// The ILGPU PerPO loss beyond the shared fixture: interleaved lists with tied rewards and a list with no pair give
/// <see cref="ListwiseReference"/>'s loss and gradient (its pair order and double sums: the reference's bits on
/// ILGPU's CPU accelerator, whose <c>exp</c>/<c>log</c> are the host's; 1e-6 on a CUDA device), and a repeated call
/// allocates no device buffer and compiles no kernel.
/// </summary>
public sealed class ListwiseIlgpuTests
{
    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(ListwiseIlgpu.Ported));

    [Test]
    public void PerPO_GivesTheReferenceAndReusesThePool()
    {
        const int n = 203;
        var rng = TestRandom.Create(n);
        var pi = TestRandom.Normal(rng, n, -20f, 5f);
        var rho = pi.Select(p => p + (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var r = Enumerable.Range(0, n).Select(k => k == n - 1 ? 0f : rng.Next(5) / 4f).ToArray();
        var lists = GroupIndex.FromIds<int>([.. Enumerable.Range(0, n).Select(k => k == n - 1 ? -1 : k * 7 % 25)]);
        var options = new PerPOOptions { Beta = 0.3f, Gamma = 0.7f };
        var gradRef = new float[n];
        float lossRef = new ListwiseReference().PerPOLoss(pi, rho, r, lists, options, gradRef);

        var context = IlgpuRuntime.Shared;
        var kernels = new ListwiseIlgpu(context);
        var grad = new float[n];
        float loss = kernels.PerPOLoss(pi, rho, r, lists, options, grad);
        if (context.IsCpu)
        {
            Assert.That(loss, Is.EqualTo(lossRef), "loss: the reference's bits");
            Assert.That(grad, Is.EqualTo(gradRef), "gradient: the reference's bits");
        }
        else
        {
            Assert.That(loss, Is.EqualTo(lossRef).Within(1e-6 * Math.Max(1, lossRef)));
            TestRandom.AssertClose(grad, gradRef, 1e-6, "grad");
        }

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var again = new float[n];
        Assert.That(kernels.PerPOLoss(pi, rho, r, lists, options, again), Is.EqualTo(loss), "same loss again");
        Assert.That(again, Is.EqualTo(grad), "same bits on a second run");
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the second call allocates no device buffer and compiles no kernel");
    }
}
