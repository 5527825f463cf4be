#version 450
#extension GL_GOOGLE_include_directive : require
// Recolour to a target keeping the shading (see PixelMath.RecolourRow), one invocation per pixel:
// k = luma(x) / max(L₀, 1/255), x' = clamp01(target·k), blended x + (x' − x)·m/255; pixels with m = 0 are not
// written. L₀ comes from recolour_luma.comp in the same submission.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) buffer Image { float image[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { uint mask[]; };
layout(std430, set = 0, binding = 2) readonly buffer Luma { float refLuma[]; };

layout(push_constant) uniform Push
{
    uint plane;
    float coverScale; // 1f / 255f
    float lumaFloor;  // 1f / 255f
    float targetR, targetG, targetB;
} pc;

#include "pixel_math.glsl"

void main()
{
    uint i = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (i >= pc.plane)
    {
        return;
    }

    precise float cover = maskByte(mask[i >> 2], i) * pc.coverScale;
    if (cover <= 0.0)
    {
        return;
    }

    precise float inv = divide(1.0, max(refLuma[0], pc.lumaFloor));
    float r0 = image[i], g0 = image[pc.plane + i], b0 = image[2u * pc.plane + i];
    precise float k = luma(r0, g0, b0) * inv;
    precise float r = r0 + (clamp01(pc.targetR * k) - r0) * cover;
    precise float g = g0 + (clamp01(pc.targetG * k) - g0) * cover;
    precise float b = b0 + (clamp01(pc.targetB * k) - b0) * cover;
    image[i] = r;
    image[pc.plane + i] = g;
    image[2u * pc.plane + i] = b;
}
