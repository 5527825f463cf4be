using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Tests;

/// <summary>
/// Runs once before any test of the assembly: asks for ILGPU's CPU accelerator (<c>PJ_ILGPU_DEVICE=cpu</c>) unless
/// the environment already names a device, so the ILGPU parity suites run without a GPU; set
/// <c>PJ_ILGPU_DEVICE=cuda</c> to run them on a CUDA device.
/// </summary>
[SetUpFixture]
public sealed class IlgpuTestDevice
{
    [OneTimeSetUp]
    public void UseTheCpuAcceleratorUnlessADeviceIsNamed() => IlgpuRuntime.PreferUnlessNamed("cpu");
}
