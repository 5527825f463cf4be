using PerceptionJudge.Build;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>
/// The shared TorchSharp runtime folder and the GLIBCXX_3.4.32 fix-up (native/libtorchsharp/README.md): the process
/// loaded the patched libLibTorchSharp.so from that folder, the patch marks exactly one version requirement weak, and
/// patching twice gives the same bytes.
/// </summary>
[TestFixture]
public sealed class RuntimeTests : TorchTest
{
    private const string Library = "libstdc++.so.6";
    private const string Version = "GLIBCXX_3.4.32";

    private static string Patched => Path.Combine(LibTorch.RuntimeFolder, "libLibTorchSharp.so");

    [Test]
    public void PatchedLibrary_IsTheOneThisProcessLoaded()
    {
        Assert.That(LibTorch.Version, Is.EqualTo(new Version(2, 10)));
        var maps = File.ReadAllLines("/proc/self/maps");
        var loaded = maps.Where(l => l.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal))
            .Select(l => l[l.IndexOf('/', StringComparison.Ordinal)..]).Distinct().ToArray();
        Assert.That(loaded, Is.EqualTo(new[] { Path.GetFullPath(Patched) }));
        Assert.That(Directory.GetFiles(AppContext.BaseDirectory, "libtorch_cpu.so*", SearchOption.AllDirectories),
            Is.Empty, "libtorch's natives stay in the shared runtime folder, out of the test's output");

        var bytes = File.ReadAllBytes(Patched);
        var flags = ElfVersionPatch.FindFlags(bytes, Library, Version);
        Assert.That(bytes[flags] & ElfVersionPatch.WeakFlag, Is.EqualTo(ElfVersionPatch.WeakFlag));
    }

    [Test]
    public void Patch_TouchesOnlyTheWeakFlagAndIsIdempotent()
    {
        var source = File.ReadAllText(Patched + ".source").Trim();
        var original = File.ReadAllBytes(source);
        var once = (byte[])original.Clone();
        var flags = ElfVersionPatch.MarkWeak(once, Library, Version);
        var twice = (byte[])once.Clone();
        Assert.That(ElfVersionPatch.MarkWeak(twice, Library, Version), Is.EqualTo(flags));

        Assert.That(twice, Is.EqualTo(once), "patching a patched file changes nothing");
        Assert.That(once, Is.EqualTo(File.ReadAllBytes(Patched)), "the runtime folder holds exactly this patch");
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != once[i]).ToArray();
        Assert.That(changed, Is.EqualTo(new[] { flags }), "one byte: the low byte of vna_flags");
        Assert.That(once[flags], Is.EqualTo(original[flags] | ElfVersionPatch.WeakFlag));
    }

    [Test]
    public void Patch_RefusesFilesItDoesNotUnderstand()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkWeak("not an ELF file"u8.ToArray(),
            Library, Version));
        Assert.That(e!.Message, Does.Contain("not an ELF file"));
        var elf = File.ReadAllBytes(Patched);
        e = Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkWeak(elf, Library, "GLIBCXX_9.9.99"));
        Assert.That(e!.Message, Does.Contain("no version requirement GLIBCXX_9.9.99 from libstdc++.so.6"));
    }
}
