#version 450
#extension GL_GOOGLE_include_directive : require
// Luma-preserving hue rotation (see PixelMath.HueRow), one invocation per pixel: rgb' = clamp01(M·rgb) with the
// host's float 3×3 YIQ matrix M, blended x + (x' − x)·m/255 by the mask coverage m (pc.hasMask 0: everywhere);
// pixels with m = 0 are not written.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) buffer Image { float image[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { uint mask[]; }; // coverage bytes, four per word

layout(push_constant) uniform Push
{
    uint plane;
    uint hasMask;
    float coverScale; // 1f / 255f
    float m0, m1, m2, m3, m4, m5, m6, m7, m8;
} pc;

#include "pixel_math.glsl"

void main()
{
    uint i = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (i >= pc.plane)
    {
        return;
    }

    precise float cover = pc.hasMask != 0u ? maskByte(mask[i >> 2], i) * pc.coverScale : 1.0;
    if (cover <= 0.0)
    {
        return;
    }

    float r0 = image[i], g0 = image[pc.plane + i], b0 = image[2u * pc.plane + i];
    precise float r1 = pc.m0 * r0 + pc.m1 * g0 + pc.m2 * b0;
    precise float g1 = pc.m3 * r0 + pc.m4 * g0 + pc.m5 * b0;
    precise float b1 = pc.m6 * r0 + pc.m7 * g0 + pc.m8 * b0;
    precise float r = r0 + (clamp01(r1) - r0) * cover;
    precise float g = g0 + (clamp01(g1) - g0) * cover;
    precise float b = b0 + (clamp01(b1) - b0) * cover;
    image[i] = r;
    image[pc.plane + i] = g;
    image[2u * pc.plane + i] = b;
}
