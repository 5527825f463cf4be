using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace PerceptionJudge.Torch;

/// <summary>
/// Finds and loads TorchSharp's natives from the one shared runtime folder the build fills
/// (native/libtorchsharp/TorchRuntime.targets: libtorch's libraries and a copy of libLibTorchSharp.so with its
/// GLIBCXX_3.4.32 requirement marked weak). The folder is the <c>PjTorchRuntime</c> assembly metadata stamped at build
/// time, or <c>PJ_TORCH_RUNTIME</c>. Loading libLibTorchSharp.so by path pulls libtorch in through its
/// <c>$ORIGIN</c> runpath; TorchSharp's own probe then finds both already loaded by their sonames.
/// </summary>
internal static class TorchRuntime
{
    /// <summary>The environment variable that overrides the folder stamped at build time.</summary>
    internal const string FolderVariable = "PJ_TORCH_RUNTIME";

    internal const string LibraryFile = "libLibTorchSharp.so";

    private static readonly object s_gate = new();
    private static bool s_loaded;
    private static string? s_error;

    /// <summary>The runtime folder this process loads from (or would load from).</summary>
    internal static string Folder
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable(FolderVariable);
            if (!string.IsNullOrEmpty(overridden))
            {
                return overridden;
            }
            return typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "PjTorchRuntime")?.Value ?? "";
        }
    }

    internal static void EnsureLoaded()
    {
        if (!s_loaded && !TryLoad(out var error))
        {
            throw new TorchException(error, TorchException.RuntimeMissing);
        }
    }

    internal static bool TryLoad(out string error)
    {
        lock (s_gate)
        {
            if (!s_loaded && s_error is null)
            {
                s_error = Load();
                s_loaded = s_error is null;
            }
            error = s_error ?? "";
            return s_loaded;
        }
    }

    private static string? Load()
    {
        var folder = Folder;
        var path = Path.Combine(folder, LibraryFile);
        const string Fix = "Build the solution (dotnet build; PerceptionJudge.Torch.csproj fills the folder from the " +
            "TorchSharp and libtorch-cpu-linux-x64 NuGet packages), or set " + FolderVariable +
            " to a folder holding libLibTorchSharp.so beside libtorch's libraries.";
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"libtorch could not be loaded: this build carries TorchSharp's Linux x64 CPU natives only, and " +
                $"this is {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}.";
        }
        if (!File.Exists(path))
        {
            return $"libtorch could not be loaded: {path} does not exist (TorchSharp runtime folder " +
                $"'{folder}', from {(Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } ? FolderVariable : "the build")}). {Fix}";
        }
        try
        {
            NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            // The file is there, so a dependency or a symbol version is missing; dlerror's words end the message.
            var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var hint = lines[^1].Contains("GLIBCXX", StringComparison.Ordinal)
                ? " The copy in the runtime folder should have that version marked weak: rebuild to re-patch it " +
                  "(native/libtorchsharp/README.md)."
                : "";
            return $"libtorch could not be loaded from {path}: {lines[^1]}.{hint} {Fix}";
        }
        try
        {
            torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or InvalidOperationException)
        {
            return $"TorchSharp did not initialise after loading {path}: {e.Message.Split('\n')[0]} {Fix}";
        }
        return null;
    }
}
