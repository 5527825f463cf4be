using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Tests.Runtime;

/// <summary>
/// How the ILGPU accelerator is chosen: <c>cpu</c> only when asked, CUDA otherwise, and no device or a bad selector
/// is one <see cref="KernelInputException"/> naming what was looked for. Every family now has ILGPU kernels (the
/// perturbations were the last), so the former "not ported" error is gone with its last caller.
/// </summary>
public sealed class IlgpuRuntimeTests
{
    [Test]
    public void TryCreate_CpuOpensTheCpuAccelerator()
    {
        var (context, reason) = IlgpuRuntime.TryCreate("cpu");
        using (context)
        {
            Assert.That(reason, Is.Null);
            Assert.That(context!.IsCpu, Is.True);
            Assert.That(context.DeviceName, Does.StartWith("CPU"));
        }
    }

    [Test]
    public void TryCreate_CudaWithoutADeviceNamesWhatWasLookedFor()
    {
        var (context, reason) = IlgpuRuntime.TryCreate("cuda");
        using (context)
        {
            if (context is not null)
            {
                Assert.That(context.IsCpu, Is.False, "cuda never falls back to the CPU accelerator");
                return;
            }

            Assert.That(reason, Does.Contain("no CUDA device").And.Contain("libcuda.so.1")
                .And.Contain("PJ_ILGPU_DEVICE=cpu"));
        }
    }

    [Test]
    public void TryCreate_UnknownSelectorListsTheValidValues()
    {
        var (context, reason) = IlgpuRuntime.TryCreate("opencl");
        Assert.That(context, Is.Null);
        Assert.That(reason, Does.Contain("PJ_ILGPU_DEVICE='opencl'").And.Contain("cuda (default), cpu"));
    }

    [Test]
    public void Select_IlgpuOpensTheSharedAcceleratorOrThrowsTheReason()
    {
        try
        {
            if (IlgpuRuntime.IsAvailable)
            {
                KernelBackend.Select(Backend.Ilgpu);
                Assert.That(AdvantageKernels.For(KernelBackend.Current), Is.InstanceOf<AdvantageIlgpu>());
            }
            else
            {
                var ex = Assert.Throws<KernelInputException>(() => KernelBackend.Select(Backend.Ilgpu));
                Assert.That(ex!.Field, Is.EqualTo("backend"));
                Assert.That(ex.Message, Does.Contain(IlgpuRuntime.UnavailableReason));
            }
        }
        finally
        {
            KernelBackend.Select(Backend.Cpu);
        }
    }

    [Test]
    public void For_EveryFamilyHasIlgpuKernels()
    {
        Assert.That(IlgpuRuntime.PortedFamilies, Is.EquivalentTo(new[]
        {
            "advantage", "kl", "policy-loss", "loss-agg", "ranking", "optim", "lora", "log-prob", "listwise", "perturb",
        }));
        Assert.That(PerturbKernels.For(Backend.Ilgpu), Is.InstanceOf<PerturbIlgpu>(),
            "the perturbations bind without opening a device; the first op opens it");
    }
}
