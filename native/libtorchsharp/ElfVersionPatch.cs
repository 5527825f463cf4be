// The LibTorchSharp ELF fix-up (README.md beside this file). Compiled twice: by MSBuild's RoslynCodeTaskFactory as the
// MarkElfVersionWeak task (TorchRuntime.targets), and into PerceptionJudge.Torch.Tests with ELF_PATCH_NO_TASK defined,
// which tests the patch itself. Plain C# with no dependency beyond the BCL (and MSBuild's Task for the task).
using System;
using System.IO;
using System.Text;

namespace PerceptionJudge.Build;

/// <summary>
/// Marks one version requirement of an ELF64 little-endian shared library weak: sets VER_FLG_WEAK (0x2) in the
/// <c>vna_flags</c> of the <c>Elf64_Vernaux</c> entry named <c>version</c> in <c>.gnu.version_r</c>
/// (SHT_GNU_verneed). glibc's loader then reports a missing weak version only under LD_DEBUG instead of refusing
/// the library. Nothing else in the file changes; patching a patched file gives the same bytes.
/// </summary>
public static class ElfVersionPatch
{
    /// <summary>VER_FLG_WEAK in elf.h.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>
    /// Sets the weak flag of <paramref name="version"/> (e.g. GLIBCXX_3.4.32) required from
    /// <paramref name="library"/> (e.g. libstdc++.so.6) in <paramref name="elf"/>, in place; returns the file
    /// offset of the two-byte vna_flags field. Throws <see cref="InvalidDataException"/>, saying what was expected,
    /// when the file is not an ELF64 little-endian object or has no such requirement.
    /// </summary>
    public static long MarkWeak(byte[] elf, string library, string version)
    {
        long flags = FindFlags(elf, library, version);
        ushort value = (ushort)(elf[flags] | (elf[flags + 1] << 8));
        value |= WeakFlag;
        elf[flags] = (byte)value;
        elf[flags + 1] = (byte)(value >> 8);
        return flags;
    }

    /// <summary>The file offset of the vna_flags field of <paramref name="version"/> (see <see cref="MarkWeak"/>).
    /// </summary>
    public static long FindFlags(byte[] elf, string library, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file (no \\x7fELF magic)");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException(
                $"expected an ELF64 little-endian file, found class {elf[4]}, data encoding {elf[5]}");
        }

        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3a), shnum = U16(elf, 0x3c);
        if (shoff <= 0 || shentsize != 64 || shnum == 0 || shoff + (long)shnum * shentsize > elf.Length)
        {
            throw new InvalidDataException(
                $"unexpected section header table (offset {shoff}, entry size {shentsize}, count {shnum})");
        }

        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (U32(elf, sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long offset = (long)U64(elf, sh + 24), size = (long)U64(elf, sh + 32);
            uint link = U32(elf, sh + 40), count = U32(elf, sh + 44);
            if (link >= shnum || offset + size > elf.Length)
            {
                throw new InvalidDataException("the SHT_GNU_verneed section points outside the file");
            }

            long strtab = (long)U64(elf, shoff + link * 64L + 24);
            long need = offset;
            for (uint n = 0; n < count; n++)
            {
                int auxCount = U16(elf, need + 2);
                string file = CString(elf, strtab + U32(elf, need + 4));
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    if (file == library && CString(elf, strtab + U32(elf, aux + 8)) == version)
                    {
                        return aux + 4;
                    }

                    aux += U32(elf, aux + 12);
                }

                uint next = U32(elf, need + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }

            throw new InvalidDataException(
                $"no version requirement {version} from {library} in .gnu.version_r (a newer or older build of " +
                "the library? then update the version the build patches)");
        }

        throw new InvalidDataException("no .gnu.version_r (SHT_GNU_verneed) section");
    }

    private static ushort U16(byte[] b, long at) => (ushort)(b[at] | (b[at + 1] << 8));

    private static uint U32(byte[] b, long at) => (uint)(U16(b, at) | (U16(b, at + 2) << 16));

    private static ulong U64(byte[] b, long at) => U32(b, at) | ((ulong)U32(b, at + 4) << 32);

    private static string CString(byte[] b, long at)
    {
        long end = at;
        while (end < b.Length && b[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }
}

#if !ELF_PATCH_NO_TASK
/// <summary>
/// MSBuild task: writes <see cref="Source"/> to <see cref="Destination"/> with <see cref="Version"/> from
/// <see cref="Library"/> marked weak; the destination is rewritten only when its bytes would change.
/// </summary>
public sealed class MarkElfVersionWeak : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public string Source { get; set; } = "";

    [Microsoft.Build.Framework.Required]
    public string Destination { get; set; } = "";

    [Microsoft.Build.Framework.Required]
    public string Library { get; set; } = "";

    [Microsoft.Build.Framework.Required]
    public string Version { get; set; } = "";

    public override bool Execute()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Source);
            ElfVersionPatch.MarkWeak(bytes, Library, Version);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Log.LogError($"{Source}: cannot mark {Version} from {Library} weak: {e.Message}. " +
                "See native/libtorchsharp/README.md.");
            return false;
        }

        if (!File.Exists(Destination) || !SameBytes(File.ReadAllBytes(Destination), bytes))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
            string temporary = Destination + ".tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Delete(Destination);
            File.Move(temporary, Destination);
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                $"{Destination}: {Version} from {Library} marked weak");
        }

        return true;
    }

    // RoslynCodeTaskFactory compiles for netstandard2.0: no span SequenceEqual.
    private static bool SameBytes(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
#endif
