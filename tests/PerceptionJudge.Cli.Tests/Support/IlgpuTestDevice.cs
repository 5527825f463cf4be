using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Cli.Tests;

/// <summary>
/// Runs once before any test of the assembly: asks for ILGPU's CPU accelerator (<c>PJ_ILGPU_DEVICE=cpu</c>) unless
/// the environment already names a device, so <c>--backend ilgpu</c> runs without a GPU.
/// </summary>
[SetUpFixture]
public sealed class IlgpuTestDevice
{
    [OneTimeSetUp]
    public void UseTheCpuAcceleratorUnlessADeviceIsNamed() => IlgpuRuntime.PreferUnlessNamed("cpu");
}
