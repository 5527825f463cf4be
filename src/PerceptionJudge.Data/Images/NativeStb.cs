using System.Runtime.InteropServices;

namespace PerceptionJudge.Data.Images;

/// <summary>
/// P/Invoke declarations for Debian's <c>libstb0</c> (stb_image 2.x and stb_image_write), source-generated
/// marshalling. Every call goes through <see cref="EnsureLoaded"/> first so a missing library is one clear
/// <see cref="DataException"/> naming the package rather than a <see cref="DllNotFoundException"/> mid-run.
/// </summary>
internal static unsafe partial class NativeStb
{
    /// <summary>The shared object name as Debian installs it.</summary>
    public const string Library = "libstb.so.0";

    private static readonly Lazy<string?> s_loadError = new(TryLoad);

    /// <summary>Throws a <see cref="DataException"/> naming the Debian package when the library is absent.</summary>
    public static void EnsureLoaded()
    {
        if (s_loadError.Value is string error)
        {
            throw new DataException(Library, error);
        }
    }

    private static string? TryLoad()
    {
        if (!NativeLibrary.TryLoad(Library, typeof(NativeStb).Assembly, null, out nint handle))
        {
            return "cannot load the stb image library; install the Debian package libstb0 (apt-get install libstb0)";
        }

        return NativeLibrary.TryGetExport(handle, "stbi_write_png_to_func", out _)
            ? null
            : "the loaded libstb.so.0 lacks stb_image_write; install the Debian package libstb0";
    }

    /// <summary>
    /// <c>stbi_uc *stbi_load_from_memory(buffer, len, *x, *y, *channels_in_file, desired_channels)</c>.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "stbi_load_from_memory")]
    public static partial byte* LoadFromMemory(byte* buffer, int length, out int x, out int y, out int channels,
        int desiredChannels);

    /// <summary><c>int stbi_info_from_memory(buffer, len, *x, *y, *comp)</c>: 1 when the header parses.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_info_from_memory")]
    public static partial int InfoFromMemory(byte* buffer, int length, out int x, out int y, out int channels);

    /// <summary><c>const char *stbi_failure_reason(void)</c>: static text, never freed.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_failure_reason")]
    public static partial nint FailureReason();

    /// <summary><c>void stbi_image_free(void *)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_image_free")]
    public static partial void ImageFree(void* pixels);

    /// <summary><c>int stbi_write_png_to_func(func, context, w, h, comp, data, stride_in_bytes)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_write_png_to_func")]
    public static partial int WritePngToFunc(delegate* unmanaged[Cdecl]<void*, void*, int, void> func, void* context,
        int width, int height, int channels, void* data, int strideBytes);

    /// <summary><c>int stbi_write_jpg_to_func(func, context, w, h, comp, data, quality)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_write_jpg_to_func")]
    public static partial int WriteJpgToFunc(delegate* unmanaged[Cdecl]<void*, void*, int, void> func, void* context,
        int width, int height, int channels, void* data, int quality);

    /// <summary>stb's last failure text, or "unknown error".</summary>
    public static string LastFailure()
    {
        nint reason = FailureReason();
        return reason == 0 ? "unknown error" : Marshal.PtrToStringUTF8(reason) ?? "unknown error";
    }
}
