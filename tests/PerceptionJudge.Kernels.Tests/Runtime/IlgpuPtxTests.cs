using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PerceptionJudge.Kernels.Advantage;

namespace PerceptionJudge.Kernels.Tests.Runtime;

/// <summary>
/// Every ILGPU kernel of the library also compiles for the PTX target (sm_70, PTX ISA 7.0) without a CUDA device:
/// ILGPU's <see cref="PTXBackend"/> is constructed directly on a context with no accelerator (with ILGPU.Algorithms'
/// math intrinsics, as the runtime enables them), so the CPU
/// accelerator's permissive .NET execution cannot hide a construct the GPU compiler rejects (a managed allocation,
/// an exception, an unsupported intrinsic).
/// </summary>
public sealed class IlgpuPtxTests
{
    /// <summary>The kernel entry points: static methods of the library taking (Index1D, one argument struct).</summary>
    private static IEnumerable<TestCaseData> Kernels() =>
        typeof(AdvantageIlgpu).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(m => m.GetParameters() is [{ ParameterType: var index }, { ParameterType.IsValueType: true }]
                && index == typeof(Index1D))
            .Select(m => new TestCaseData(m).SetArgDisplayNames($"{m.DeclaringType!.Name}.{m.Name}"));

    [Test]
    public void Kernels_AreFound() => Assert.That(Kernels().Count(), Is.GreaterThanOrEqualTo(12));

    [TestCaseSource(nameof(Kernels))]
    public void Kernel_CompilesToPtxWithoutADevice(MethodInfo kernel)
    {
        using var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_70),
            CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, null);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        Assert.That(compiled.PTXAssembly, Does.Contain(".target sm_70").And.Contain(".entry"));
    }
}
