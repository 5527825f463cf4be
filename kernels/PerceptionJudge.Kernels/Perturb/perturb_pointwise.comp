#version 450
#extension GL_GOOGLE_include_directive : require
// The fused pointwise chain (see PerturbReference.PointwisePixel) over a batch [N][C][H][W], one invocation per
// pixel of one image; image n reads its own chain and seed from `samples` (per-sample parameters, one launch).
// On R, G, B in order, each stage clamped to [0, 1] and skipped at its identity value: brightness x·b; contrast
// (x − ½)c + ½; saturation l + s(x − l), l the Rec. 601 luma (three channels only); noise x + σ·n with n =
// HashRng.Normal(seed, c·H·W + i). Alpha is untouched. Bit-exact with the host (`precise`, hash in 32-bit words).
#define WG 256
layout(local_size_x = WG) in;

struct Sample
{
    float brightness;
    float contrast;
    float saturation;
    float noiseStd;
    uvec2 seed;
};

layout(std430, set = 0, binding = 0) buffer Batch { float batch[]; };
layout(std430, set = 0, binding = 1) readonly buffer Samples { Sample samples[]; };

layout(push_constant) uniform Push
{
    uint plane;          // H·W
    uint channels;       // C
    uint colourChannels; // min(C, 3)
    uint images;
} pc;

#include "pixel_math.glsl"
#include "hash_rng.glsl"

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (k >= pc.plane * pc.images)
    {
        return;
    }

    uint n = k / pc.plane, i = k % pc.plane;
    Sample p = samples[n];
    uint base = n * pc.channels * pc.plane + i;
    uint cc = pc.colourChannels;
    float v[3];
    for (uint c = 0; c < cc; ++c)
    {
        v[c] = batch[base + c * pc.plane];
    }

    if (p.brightness != 1.0)
    {
        for (uint c = 0; c < cc; ++c)
        {
            precise float x = v[c] * p.brightness;
            v[c] = clamp01(x);
        }
    }

    if (p.contrast != 1.0)
    {
        for (uint c = 0; c < cc; ++c)
        {
            precise float x = (v[c] - 0.5) * p.contrast + 0.5;
            v[c] = clamp01(x);
        }
    }

    if (p.saturation != 1.0 && cc == 3u)
    {
        float l = luma(v[0], v[1], v[2]);
        for (uint c = 0; c < 3u; ++c)
        {
            precise float x = l + p.saturation * (v[c] - l);
            v[c] = clamp01(x);
        }
    }

    if (p.noiseStd != 0.0)
    {
        for (uint c = 0; c < cc; ++c)
        {
            precise float x = v[c] + p.noiseStd * hashNormal(p.seed, c * pc.plane + i);
            v[c] = clamp01(x);
        }
    }

    for (uint c = 0; c < cc; ++c)
    {
        batch[base + c * pc.plane] = v[c];
    }
}
