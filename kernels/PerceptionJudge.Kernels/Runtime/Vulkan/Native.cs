using System.Runtime.InteropServices;

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>
/// The Vulkan 1.1 entry points compute needs, bound straight from the loader <c>libvulkan.so.1</c> (Debian
/// <c>libvulkan1</c>), which exports every core 1.0/1.1 function. Dispatchable handles (instance, physical device,
/// device, queue, command buffer) are pointers (<see cref="nint"/>); the others are 64-bit integers
/// (<see cref="ulong"/>).
/// Every call returns a VkResult, checked by <see cref="VkCheck.Ok"/>; the structs are in <c>NativeStructs.cs</c>.
/// </summary>
internal static unsafe partial class Native
{
    /// <summary>The loader's soname.</summary>
    public const string Library = "libvulkan.so.1";

    [LibraryImport(Library)]
    public static partial int vkCreateInstance(VkInstanceCreateInfo* info, void* allocator, nint* instance);

    [LibraryImport(Library)]
    public static partial void vkDestroyInstance(nint instance, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkEnumeratePhysicalDevices(nint instance, uint* count, nint* devices);

    [LibraryImport(Library)]
    public static partial void vkGetPhysicalDeviceProperties2(nint physicalDevice, VkPhysicalDeviceProperties2* props);

    [LibraryImport(Library)]
    public static partial void vkGetPhysicalDeviceQueueFamilyProperties(
        nint physicalDevice, uint* count, VkQueueFamilyProperties* props);

    [LibraryImport(Library)]
    public static partial void vkGetPhysicalDeviceMemoryProperties(
        nint physicalDevice, VkPhysicalDeviceMemoryProperties* props);

    [LibraryImport(Library)]
    public static partial void vkGetPhysicalDeviceFeatures(nint physicalDevice, VkPhysicalDeviceFeatures* features);

    [LibraryImport(Library)]
    public static partial int vkCreateDevice(
        nint physicalDevice, VkDeviceCreateInfo* info, void* allocator, nint* device);

    [LibraryImport(Library)]
    public static partial void vkDestroyDevice(nint device, void* allocator);

    [LibraryImport(Library)]
    public static partial void vkGetDeviceQueue(nint device, uint family, uint index, nint* queue);

    [LibraryImport(Library)]
    public static partial int vkCreateBuffer(nint device, VkBufferCreateInfo* info, void* allocator, ulong* buffer);

    [LibraryImport(Library)]
    public static partial void vkDestroyBuffer(nint device, ulong buffer, void* allocator);

    [LibraryImport(Library)]
    public static partial void vkGetBufferMemoryRequirements(nint device, ulong buffer, VkMemoryRequirements* req);

    [LibraryImport(Library)]
    public static partial int vkAllocateMemory(
        nint device, VkMemoryAllocateInfo* info, void* allocator, ulong* memory);

    [LibraryImport(Library)]
    public static partial void vkFreeMemory(nint device, ulong memory, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkBindBufferMemory(nint device, ulong buffer, ulong memory, ulong offset);

    [LibraryImport(Library)]
    public static partial int vkMapMemory(
        nint device, ulong memory, ulong offset, ulong size, uint flags, void** data);

    [LibraryImport(Library)]
    public static partial void vkUnmapMemory(nint device, ulong memory);

    [LibraryImport(Library)]
    public static partial int vkCreateShaderModule(
        nint device, VkShaderModuleCreateInfo* info, void* allocator, ulong* module);

    [LibraryImport(Library)]
    public static partial void vkDestroyShaderModule(nint device, ulong module, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkCreateDescriptorSetLayout(
        nint device, VkDescriptorSetLayoutCreateInfo* info, void* allocator, ulong* layout);

    [LibraryImport(Library)]
    public static partial void vkDestroyDescriptorSetLayout(nint device, ulong layout, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkCreatePipelineLayout(
        nint device, VkPipelineLayoutCreateInfo* info, void* allocator, ulong* layout);

    [LibraryImport(Library)]
    public static partial void vkDestroyPipelineLayout(nint device, ulong layout, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkCreateComputePipelines(
        nint device, ulong cache, uint count, VkComputePipelineCreateInfo* infos, void* allocator, ulong* pipelines);

    [LibraryImport(Library)]
    public static partial void vkDestroyPipeline(nint device, ulong pipeline, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkCreateDescriptorPool(
        nint device, VkDescriptorPoolCreateInfo* info, void* allocator, ulong* pool);

    [LibraryImport(Library)]
    public static partial void vkDestroyDescriptorPool(nint device, ulong pool, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkAllocateDescriptorSets(nint device, VkDescriptorSetAllocateInfo* info, ulong* sets);

    [LibraryImport(Library)]
    public static partial void vkUpdateDescriptorSets(
        nint device, uint writeCount, VkWriteDescriptorSet* writes, uint copyCount, void* copies);

    [LibraryImport(Library)]
    public static partial int vkCreateCommandPool(
        nint device, VkCommandPoolCreateInfo* info, void* allocator, ulong* pool);

    [LibraryImport(Library)]
    public static partial void vkDestroyCommandPool(nint device, ulong pool, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkAllocateCommandBuffers(
        nint device, VkCommandBufferAllocateInfo* info, nint* buffers);

    [LibraryImport(Library)]
    public static partial void vkFreeCommandBuffers(nint device, ulong pool, uint count, nint* buffers);

    [LibraryImport(Library)]
    public static partial int vkBeginCommandBuffer(nint commandBuffer, VkCommandBufferBeginInfo* info);

    [LibraryImport(Library)]
    public static partial int vkEndCommandBuffer(nint commandBuffer);

    [LibraryImport(Library)]
    public static partial void vkCmdBindPipeline(nint commandBuffer, uint bindPoint, ulong pipeline);

    [LibraryImport(Library)]
    public static partial void vkCmdBindDescriptorSets(
        nint commandBuffer, uint bindPoint, ulong layout, uint firstSet, uint count, ulong* sets,
        uint dynamicOffsetCount, uint* dynamicOffsets);

    [LibraryImport(Library)]
    public static partial void vkCmdPushConstants(
        nint commandBuffer, ulong layout, uint stageFlags, uint offset, uint size, void* values);

    [LibraryImport(Library)]
    public static partial void vkCmdDispatch(nint commandBuffer, uint x, uint y, uint z);

    [LibraryImport(Library)]
    public static partial void vkCmdCopyBuffer(
        nint commandBuffer, ulong src, ulong dst, uint regionCount, VkBufferCopy* regions);

    [LibraryImport(Library)]
    public static partial void vkCmdPipelineBarrier(
        nint commandBuffer, uint srcStage, uint dstStage, uint dependencyFlags, uint memoryBarrierCount,
        VkMemoryBarrier* memoryBarriers, uint bufferBarrierCount, void* bufferBarriers, uint imageBarrierCount,
        void* imageBarriers);

    [LibraryImport(Library)]
    public static partial void vkCmdResetQueryPool(nint commandBuffer, ulong pool, uint first, uint count);

    [LibraryImport(Library)]
    public static partial void vkCmdWriteTimestamp(nint commandBuffer, uint stage, ulong pool, uint query);

    [LibraryImport(Library)]
    public static partial int vkCreateQueryPool(nint device, VkQueryPoolCreateInfo* info, void* allocator, ulong* pool);

    [LibraryImport(Library)]
    public static partial void vkDestroyQueryPool(nint device, ulong pool, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkGetQueryPoolResults(
        nint device, ulong pool, uint first, uint count, nuint dataSize, void* data, ulong stride, uint flags);

    [LibraryImport(Library)]
    public static partial int vkCreateFence(nint device, VkFenceCreateInfo* info, void* allocator, ulong* fence);

    [LibraryImport(Library)]
    public static partial void vkDestroyFence(nint device, ulong fence, void* allocator);

    [LibraryImport(Library)]
    public static partial int vkWaitForFences(nint device, uint count, ulong* fences, uint waitAll, ulong timeout);

    [LibraryImport(Library)]
    public static partial int vkQueueSubmit(nint queue, uint count, VkSubmitInfo* submits, ulong fence);
}

/// <summary>Turns a failed VkResult into a <see cref="VulkanException"/> naming the call.</summary>
internal static class VkCheck
{
    public static void Ok(int result, string call)
    {
        if (result != 0)
        {
            throw new VulkanException(call, result);
        }
    }
}

/// <summary>A Vulkan call failed on a device that exists (out of memory, device lost, a driver bug).</summary>
public sealed class VulkanException : Exception
{
    /// <summary>Creates the error for <paramref name="call"/> returning <paramref name="result"/>.</summary>
    public VulkanException(string call, int result)
        : base($"{call} failed with {Describe(result)}")
    {
        Result = result;
    }

    /// <summary>The raw VkResult.</summary>
    public int Result { get; }

    private static string Describe(int result) => result switch
    {
        -1 => "VK_ERROR_OUT_OF_HOST_MEMORY",
        -2 => "VK_ERROR_OUT_OF_DEVICE_MEMORY",
        -3 => "VK_ERROR_INITIALIZATION_FAILED",
        -4 => "VK_ERROR_DEVICE_LOST",
        -9 => "VK_ERROR_INCOMPATIBLE_DRIVER",
        2 => "VK_TIMEOUT",
        _ => $"VkResult {result}",
    };
}
