using PerceptionJudge.Distributed.Mpi;

namespace PerceptionJudge.Distributed.Tests;

[TestFixture]
public sealed class MpiNativeTests
{
    [Test]
    public void LoadGlobal_OfAMissingLibrary_GivesOneErrorNamingTheDebianPackages()
    {
        nint handle = MpiNative.LoadGlobal("libmpi-not-installed.so.40", out var error);
        Assert.That(handle, Is.EqualTo((nint)0));
        Assert.That(error, Does.Contain("libmpi-not-installed.so.40")
            .And.Contain("sudo apt-get install openmpi-bin libopenmpi-dev"));
    }

    [Test]
    public void Libmpi_IsLoadedIntoTheGlobalNamespace()
    {
        MpiRequirement.RequireLibrary();
        // What a plugin dlopen'ed later by libmpi sees: the symbols resolve without a handle (RTLD_DEFAULT).
        Assert.That(MpiNative.IsGloballyVisible("ompi_mpi_comm_world"), Is.True);
        Assert.That(MpiNative.IsGloballyVisible("MPI_Allreduce"), Is.True);
    }

    [Test]
    public void PredefinedHandles_AreDistinctAddressesOfOpenMpisGlobals()
    {
        MpiRequirement.RequireLibrary();
        var h = MpiNative.Predefined;
        nint[] handles = [h.CommWorld, h.Float, h.Double, h.Int, h.Byte, h.OpSum, h.OpMax, h.OpMin, h.ErrorsReturn];
        Assert.That(handles, Has.None.EqualTo((nint)0));
        Assert.That(handles, Is.Unique);
        Assert.That(handles, Has.None.EqualTo(MpiNative.InPlace));
    }
}
