#version 450
// STREAM triad a = b + s·c over vec4s (16-byte loads and stores), one vec4 per invocation: the memory-bandwidth
// roof of the Vulkan roofline benchmark (bench/PerceptionJudge.Bench/VulkanRoofline.cs), 12 B per float moved.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) writeonly buffer A { vec4 a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { vec4 b[]; };
layout(std430, set = 0, binding = 2) readonly buffer C { vec4 c[]; };

layout(push_constant) uniform Push
{
    uint count; // vec4s
    float s;
} pc;

void main()
{
    uint i = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (i < pc.count)
    {
        a[i] = b[i] + pc.s * c[i];
    }
}
