#version 450
#extension GL_GOOGLE_include_directive : require
// The shading reference L₀ of recolour (see PixelMath.ReferenceLuma): the mean luma of fully covered pixels
// (mask = 255), else of all covered pixels, else 0. Fixed-order float reduction in two stages of one submission:
//   stage 0: workgroup g adds the luma of pixels [g·WG, g·WG + WG) (reduce.glsl) and counts them exactly;
//   stage 1: one workgroup; invocation t adds partials t, t + WG, … serially, then the workgroup adds those; it
//            writes L₀ = Σ / count. The host's mean is a serial double sum: this float tree agrees within about
//            log2(pixels)·2⁻²⁴ relative (the same bits run after run).
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Image { float image[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { uint mask[]; }; // coverage bytes, four per word
layout(std430, set = 0, binding = 2) buffer Sums { vec2 sums[]; };          // per group: (Σ full, Σ any)
layout(std430, set = 0, binding = 3) buffer Counts { uvec2 counts[]; };     // per group: (# full, # any)
layout(std430, set = 0, binding = 4) writeonly buffer Luma { float refLuma[]; };

layout(push_constant) uniform Push
{
    uint plane;
    uint groups;
    uint stage;
} pc;

#include "reduce.glsl"
#include "reduce_uint.glsl"
#include "pixel_math.glsl"

void main()
{
    uint t = gl_LocalInvocationIndex;
    if (pc.stage == 0u)
    {
        uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
        if (g >= pc.groups)
        {
            return; // whole workgroup: uniform
        }

        uint i = g * WG + t;
        float m = i < pc.plane ? maskByte(mask[i >> 2], i) : 0.0;
        float l = m > 0.0 ? luma(image[i], image[pc.plane + i], image[2u * pc.plane + i]) : 0.0;
        float full = workgroupSum(m == 255.0 ? l : 0.0);
        float any = workgroupSum(l);
        uint nFull = workgroupSumU(m == 255.0 ? 1u : 0u);
        uint nAny = workgroupSumU(m > 0.0 ? 1u : 0u);
        if (t == 0u)
        {
            sums[g] = vec2(full, any);
            counts[g] = uvec2(nFull, nAny);
        }
        return;
    }

    vec2 s = vec2(0.0);
    uvec2 c = uvec2(0u);
    for (uint g = t; g < pc.groups; g += WG)
    {
        s += sums[g];
        c += counts[g];
    }

    float full = workgroupSum(s.x);
    float any = workgroupSum(s.y);
    uint nFull = workgroupSumU(c.x);
    uint nAny = workgroupSumU(c.y);
    if (t == 0u)
    {
        refLuma[0] = nFull > 0u ? divide(full, float(nFull)) : (nAny > 0u ? divide(any, float(nAny)) : 0.0);
    }
}
