using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Tests.Runtime;

/// <summary>
/// How the ILGPU accelerator is chosen: <c>cpu</c> only when asked, CUDA otherwise, and no device or a bad selector
/// is one <see cref="KernelInputException"/> naming what was looked for; unported families throw
/// <see cref="NotSupportedException"/> naming the kernels and listing what is ported.
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
    public void For_UnportedFamilyNamesItAndListsThePortedFamilies()
    {
        var ex = Assert.Throws<NotSupportedException>(() => PerturbKernels.For(Backend.Ilgpu));
        Assert.That(ex!.Message, Does.Contain("the perturbation kernels: not ported to the ILGPU backend yet")
            .And.Contain(string.Join(", ", IlgpuRuntime.PortedFamilies)));
        Assert.That(IlgpuRuntime.PortedFamilies, Does.Contain("advantage"));
    }
}
