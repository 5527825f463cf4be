#version 450
#extension GL_GOOGLE_include_directive : require
// Σ x² per chunk in float for devices without shaderFloat64 (the chunk layout of sum_squares.comp). Each
// invocation adds its squares with Kahan compensation (precise: no reassociation), then workgroupSum adds the sums
// and, apart, the compensations. Error bound on a chunk's sum of squares: each square rounds once (2⁻²⁴ relative),
// Kahan adds about 2·2⁻²⁴ and the log2(WG) = 8 level tree about 8·2⁻²⁴ of the total, all on non-negative terms:
// below 1e-6 relative (the tests check this bound). |x| above ~1.8e19 overflows x² in float: the host reports it.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Values { float values[]; };
layout(std430, set = 0, binding = 1) readonly buffer Chunks { uvec2 chunks[]; }; // (start, length)
layout(std430, set = 0, binding = 2) writeonly buffer Partials { float partials[]; };

layout(push_constant) uniform Push
{
    uint chunkCount;
} pc;

#include "reduce.glsl"

void main()
{
    uint c = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (c >= pc.chunkCount)
    {
        return; // whole workgroup: uniform
    }

    uvec2 chunk = chunks[c];
    precise float s = 0.0;
    precise float comp = 0.0; // the low part lost by the running sum s
    for (uint k = gl_LocalInvocationIndex; k < chunk.y; k += WG)
    {
        float x = values[chunk.x + k];
        precise float y = x * x - comp;
        precise float t = s + y;
        comp = (t - s) - y;
        s = t;
    }

    float total = workgroupSum(s) - workgroupSum(comp);
    if (gl_LocalInvocationIndex == 0)
    {
        partials[c] = total;
    }
}
