using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Silk.NET.Core.Contexts;
using Silk.NET.Vulkan;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// Silk.NET's <see cref="Vk"/> API bound to a Vulkan loader (normally the system's <c>libvulkan.so.1</c>, Debian
/// <c>libvulkan1</c>). Every call goes to the loader's exported entry point (the loader exports all of core 1.0/1.1,
/// which is all compute needs here), so one <see cref="Vk"/> serves every instance and device. One API per loader
/// path for the life of the process: the loader is never unloaded, as with a <c>DllImport</c>, because unloading it
/// while a driver (lavapipe's LLVM) is mapped is not safe.
/// </summary>
internal static class VulkanLoader
{
    /// <summary>The loader's soname.</summary>
    public const string Library = "libvulkan.so.1";

    private static readonly ConcurrentDictionary<string, Lazy<Vk>> s_apis = new(StringComparer.Ordinal);

    /// <summary>
    /// The API over <paramref name="loader"/>; throws <see cref="KernelInputException"/> (field <c>backend</c>) with
    /// the install hint when the library cannot be loaded.
    /// </summary>
    public static Vk Open(string loader)
    {
        if (!NativeLibrary.TryLoad(loader, typeof(VulkanLoader).Assembly, null, out nint library))
        {
            throw new KernelInputException(
                "backend", VulkanRuntime.Unavailable($"the Vulkan loader {loader} was not found"));
        }

        NativeLibrary.Free(library);
        return s_apis.GetOrAdd(loader, path => new Lazy<Vk>(() => new Vk(new DefaultNativeContext(path)))).Value;
    }
}

/// <summary>Turns a failed <see cref="Result"/> into a <see cref="VulkanException"/> naming the call.</summary>
internal static class VkCheck
{
    public static void Ok(Result result, string call)
    {
        if (result != Result.Success)
        {
            throw new VulkanException(call, result);
        }
    }
}

/// <summary>A Vulkan call failed on a device that exists (out of memory, device lost, a driver bug).</summary>
public sealed class VulkanException : Exception
{
    /// <summary>Creates the error for <paramref name="call"/> returning <paramref name="result"/>, e.g.
    /// "vkAllocateMemory failed: ErrorOutOfDeviceMemory (VkResult -2)".</summary>
    public VulkanException(string call, Result result)
        : base($"{call} failed: {result} (VkResult {(int)result})")
    {
        Result = result;
    }

    /// <summary>The VkResult the call returned.</summary>
    public Result Result { get; }
}
