#version 450
#extension GL_GOOGLE_include_directive : require
// Salt and pepper (see PixelMath.SaltPepperRow), one invocation per pixel i: h = HashRng.Mix(seed, i); when
// (h >> 40)·2⁻²⁴ < amount every colour channel becomes (h & 1) == 0 ? 0 : 1; alpha is untouched.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) buffer Image { float image[]; };

layout(push_constant) uniform Push
{
    uint plane;
    uint colourChannels;
    float amount;
    uint pad;
    uvec2 seed;
} pc;

#include "hash_rng.glsl"

void main()
{
    uint i = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (i >= pc.plane)
    {
        return;
    }

    uvec2 h = hashMix(pc.seed, i);
    float u = float(h.y >> 8) * uintBitsToFloat(0x33800000u); // (h >> 40) · 2⁻²⁴, exact
    if (u >= pc.amount)
    {
        return;
    }

    float v = (h.x & 1u) == 0u ? 0.0 : 1.0;
    for (uint c = 0; c < pc.colourChannels; ++c)
    {
        image[c * pc.plane + i] = v;
    }
}
