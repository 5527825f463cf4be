#version 450
#extension GL_GOOGLE_include_directive : require
// verl masked_whiten statistics (see AdvantageReference.Whiten): n = Σ m, μ = Σ x·m / (n + 1e-8),
// σ² = Σ (x − μ)²·m / (n + 1e-8) · n / (n − 1), scale = 1 / √(σ² + 1e-8); stats = [μ, scale, n]. One workgroup over
// all elements: invocation j adds elements j, j + WG, … in order and workgroupSum combines the partials in a fixed
// order, so the same input gives the same bits (float32). The host refuses n of 0 or 1 from stats[2], as verl does.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Stats { float stats[]; };

layout(push_constant) uniform Push
{
    uint n;
} pc;

#include "reduce.glsl"

const float EPS = 1e-8;

void main()
{
    uint me = gl_LocalInvocationIndex;
    float count = 0.0, sum = 0.0;
    for (uint k = me; k < pc.n; k += WG)
    {
        float m = mask[k];
        count += m;
        sum += x[k] * m;
    }

    float total = workgroupSum(count);
    float mean = workgroupSum(sum) / (total + EPS);
    float m2 = 0.0;
    for (uint k = me; k < pc.n; k += WG)
    {
        float c = x[k] - mean;
        m2 += c * c * mask[k];
    }

    float variance = workgroupSum(m2) / (total + EPS) * (total / (total - 1.0));
    if (me == 0u)
    {
        stats[0] = mean;
        stats[1] = 1.0 / sqrt(variance + EPS);
        stats[2] = total;
    }
}
