using System.Runtime.InteropServices;

#pragma warning disable SA1307, CA1051 // native mirrors: public fields named after vulkan_core.h

namespace PerceptionJudge.Kernels.Runtime.Vulkan;

/// <summary>The <c>VkStructureType</c> values used here (vulkan_core.h).</summary>
internal static class SType
{
    public const uint ApplicationInfo = 0;
    public const uint InstanceCreateInfo = 1;
    public const uint DeviceQueueCreateInfo = 2;
    public const uint DeviceCreateInfo = 3;
    public const uint SubmitInfo = 4;
    public const uint MemoryAllocateInfo = 5;
    public const uint FenceCreateInfo = 8;
    public const uint QueryPoolCreateInfo = 11;
    public const uint BufferCreateInfo = 12;
    public const uint ShaderModuleCreateInfo = 16;
    public const uint PipelineShaderStageCreateInfo = 18;
    public const uint ComputePipelineCreateInfo = 29;
    public const uint PipelineLayoutCreateInfo = 30;
    public const uint DescriptorSetLayoutCreateInfo = 32;
    public const uint DescriptorPoolCreateInfo = 33;
    public const uint DescriptorSetAllocateInfo = 34;
    public const uint WriteDescriptorSet = 35;
    public const uint CommandPoolCreateInfo = 39;
    public const uint CommandBufferAllocateInfo = 40;
    public const uint CommandBufferBeginInfo = 42;
    public const uint MemoryBarrier = 46;
    public const uint PhysicalDeviceProperties2 = 1000059001;
    public const uint PhysicalDeviceSubgroupProperties = 1000094000;
}

/// <summary>Flag and enum values used here (vulkan_core.h).</summary>
internal static class Vk
{
    public const uint ApiVersion11 = (1u << 22) | (1u << 12);
    public const uint QueueCompute = 0x2;
    public const uint QueueGraphics = 0x1;
    public const uint MemoryDeviceLocal = 0x1;
    public const uint MemoryHostVisible = 0x2;
    public const uint MemoryHostCoherent = 0x4;
    public const uint BufferUsageTransferSrc = 0x1;
    public const uint BufferUsageTransferDst = 0x2;
    public const uint BufferUsageStorage = 0x20;
    public const uint DescriptorStorageBuffer = 7;
    public const uint ShaderStageCompute = 0x20;
    public const uint BindPointCompute = 1;
    public const uint StageTopOfPipe = 0x1;
    public const uint StageComputeShader = 0x800;
    public const uint StageTransfer = 0x1000;
    public const uint StageBottomOfPipe = 0x2000;
    public const uint StageHost = 0x4000;
    public const uint AccessShaderRead = 0x20;
    public const uint AccessShaderWrite = 0x40;
    public const uint AccessTransferRead = 0x800;
    public const uint AccessTransferWrite = 0x1000;
    public const uint AccessHostRead = 0x2000;
    public const uint AccessHostWrite = 0x4000;
    public const uint QueryTypeTimestamp = 2;
    public const uint QueryResult64 = 0x1;
    public const uint QueryResultWait = 0x2;
    public const uint CommandBufferOneTimeSubmit = 0x1;
    public const uint CommandPoolResetBuffer = 0x2;
    public const uint SubgroupFeatureBasic = 0x1;
    public const uint SubgroupFeatureArithmetic = 0x4;
    public const ulong WholeSize = ulong.MaxValue;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkApplicationInfo
{
    public uint sType;
    public void* pNext;
    public byte* pApplicationName;
    public uint applicationVersion;
    public byte* pEngineName;
    public uint engineVersion;
    public uint apiVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkInstanceCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public VkApplicationInfo* pApplicationInfo;
    public uint enabledLayerCount;
    public byte** ppEnabledLayerNames;
    public uint enabledExtensionCount;
    public byte** ppEnabledExtensionNames;
}

/// <summary>
/// <c>VkPhysicalDeviceProperties2</c> with the embedded <c>VkPhysicalDeviceProperties</c> (824 bytes at offset 16):
/// only the fields read here are named; offsets are those of vulkan_core.h on a 64-bit ABI (checked by a test
/// against <c>sizeof</c>).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 840)]
internal unsafe struct VkPhysicalDeviceProperties2
{
    [FieldOffset(0)] public uint sType;
    [FieldOffset(8)] public void* pNext;
    [FieldOffset(16 + 0)] public uint apiVersion;
    [FieldOffset(16 + 4)] public uint driverVersion;
    [FieldOffset(16 + 8)] public uint vendorID;
    [FieldOffset(16 + 12)] public uint deviceID;
    [FieldOffset(16 + 16)] public uint deviceType;
    [FieldOffset(16 + 20)] public fixed byte deviceName[256];
    [FieldOffset(16 + 296 + 32)] public uint maxPushConstantsSize;
    [FieldOffset(16 + 512)] public uint maxComputeSharedMemorySize;
    [FieldOffset(16 + 516)] public fixed uint maxComputeWorkGroupCount[3];
    [FieldOffset(16 + 528)] public uint maxComputeWorkGroupInvocations;
    [FieldOffset(16 + 716)] public uint timestampComputeAndGraphics;
    [FieldOffset(16 + 720)] public float timestampPeriod;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPhysicalDeviceSubgroupProperties
{
    public uint sType;
    public void* pNext;
    public uint subgroupSize;
    public uint supportedStages;
    public uint supportedOperations;
    public uint quadOperationsInAllStages;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkQueueFamilyProperties
{
    public uint queueFlags;
    public uint queueCount;
    public uint timestampValidBits;
    public uint granularityWidth;
    public uint granularityHeight;
    public uint granularityDepth;
}

/// <summary><c>VkPhysicalDeviceMemoryProperties</c>: 32 types of (flags, heap), then 16 heaps of (size, flags).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 520)]
internal unsafe struct VkPhysicalDeviceMemoryProperties
{
    [FieldOffset(0)] public uint memoryTypeCount;
    [FieldOffset(4)] public fixed uint memoryTypes[64];
    [FieldOffset(260)] public uint memoryHeapCount;
    [FieldOffset(264)] public fixed ulong memoryHeaps[32];

    public readonly uint TypeFlags(int i) => memoryTypes[2 * i];

    public readonly uint TypeHeap(int i) => memoryTypes[2 * i + 1];

    public readonly ulong HeapSize(uint heap) => memoryHeaps[2 * heap];
}

/// <summary><c>VkPhysicalDeviceFeatures</c>: 55 VkBool32 flags in header order (220 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPhysicalDeviceFeatures
{
    /// <summary>Index of <c>shaderFloat64</c> (the 40th member).</summary>
    public const int ShaderFloat64 = 39;

    public fixed uint flags[55];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDeviceQueueCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint queueFamilyIndex;
    public uint queueCount;
    public float* pQueuePriorities;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDeviceCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint queueCreateInfoCount;
    public VkDeviceQueueCreateInfo* pQueueCreateInfos;
    public uint enabledLayerCount;
    public byte** ppEnabledLayerNames;
    public uint enabledExtensionCount;
    public byte** ppEnabledExtensionNames;
    public void* pEnabledFeatures;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkBufferCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public ulong size;
    public uint usage;
    public uint sharingMode;
    public uint queueFamilyIndexCount;
    public uint* pQueueFamilyIndices;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkMemoryRequirements
{
    public ulong size;
    public ulong alignment;
    public uint memoryTypeBits;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkMemoryAllocateInfo
{
    public uint sType;
    public void* pNext;
    public ulong allocationSize;
    public uint memoryTypeIndex;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkShaderModuleCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public nuint codeSize;
    public uint* pCode;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorSetLayoutBinding
{
    public uint binding;
    public uint descriptorType;
    public uint descriptorCount;
    public uint stageFlags;
    public void* pImmutableSamplers;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorSetLayoutCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint bindingCount;
    public VkDescriptorSetLayoutBinding* pBindings;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkPushConstantRange
{
    public uint stageFlags;
    public uint offset;
    public uint size;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineLayoutCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint setLayoutCount;
    public ulong* pSetLayouts;
    public uint pushConstantRangeCount;
    public VkPushConstantRange* pPushConstantRanges;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineShaderStageCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint stage;
    public ulong module;
    public byte* pName;
    public void* pSpecializationInfo;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkComputePipelineCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public VkPipelineShaderStageCreateInfo stage;
    public ulong layout;
    public ulong basePipelineHandle;
    public int basePipelineIndex;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkDescriptorPoolSize
{
    public uint type;
    public uint descriptorCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorPoolCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint maxSets;
    public uint poolSizeCount;
    public VkDescriptorPoolSize* pPoolSizes;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorSetAllocateInfo
{
    public uint sType;
    public void* pNext;
    public ulong descriptorPool;
    public uint descriptorSetCount;
    public ulong* pSetLayouts;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkDescriptorBufferInfo
{
    public ulong buffer;
    public ulong offset;
    public ulong range;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkWriteDescriptorSet
{
    public uint sType;
    public void* pNext;
    public ulong dstSet;
    public uint dstBinding;
    public uint dstArrayElement;
    public uint descriptorCount;
    public uint descriptorType;
    public void* pImageInfo;
    public VkDescriptorBufferInfo* pBufferInfo;
    public void* pTexelBufferView;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkCommandPoolCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint queueFamilyIndex;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkCommandBufferAllocateInfo
{
    public uint sType;
    public void* pNext;
    public ulong commandPool;
    public uint level;
    public uint commandBufferCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkCommandBufferBeginInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public void* pInheritanceInfo;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkSubmitInfo
{
    public uint sType;
    public void* pNext;
    public uint waitSemaphoreCount;
    public ulong* pWaitSemaphores;
    public uint* pWaitDstStageMask;
    public uint commandBufferCount;
    public nint* pCommandBuffers;
    public uint signalSemaphoreCount;
    public ulong* pSignalSemaphores;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkFenceCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkQueryPoolCreateInfo
{
    public uint sType;
    public void* pNext;
    public uint flags;
    public uint queryType;
    public uint queryCount;
    public uint pipelineStatistics;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkBufferCopy
{
    public ulong srcOffset;
    public ulong dstOffset;
    public ulong size;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkMemoryBarrier
{
    public uint sType;
    public void* pNext;
    public uint srcAccessMask;
    public uint dstAccessMask;
}
