#version 450
#extension GL_GOOGLE_include_directive : require
// TRL GRPOTrainer scale_rewards="batch" statistic (see AdvantageReference.Trl): the unbiased std of all n rewards,
// std = √(Σ (r − mean)² / (n − 1)), 0 for a batch of one. One workgroup: with d = r − r[0] (shifted so a constant batch
// gives exactly 0), invocation j adds elements j, j + WG, … in order with Kahan compensation and workgroupSum combines
// the partials in a fixed order, so the same input gives the same bits (float32). stats[0] = std.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Stats { float stats[]; };

layout(push_constant) uniform Push
{
    uint n;
} pc;

#include "reduce.glsl"

// Compensated running sum (Kahan): sum.x is the total, sum.y the lost low-order part.
precise vec2 kahanAdd(vec2 sum, float v)
{
    precise float y = v - sum.y; // precise: the compensation must not be simplified away
    precise float t = sum.x + y;
    return vec2(t, (t - sum.x) - y);
}

void main()
{
    uint me = gl_LocalInvocationIndex;
    float first = rewards[0];
    vec2 sumD = vec2(0.0);
    for (uint k = me; k < pc.n; k += WG)
    {
        sumD = kahanAdd(sumD, rewards[k] - first);
    }

    float meanD = workgroupSum(sumD.x - sumD.y) / float(pc.n);
    vec2 m2 = vec2(0.0);
    for (uint k = me; k < pc.n; k += WG)
    {
        float c = (rewards[k] - first) - meanD;
        m2 = kahanAdd(m2, c * c);
    }

    float total = workgroupSum(m2.x - m2.y);
    if (me == 0u)
    {
        stats[0] = pc.n > 1u ? sqrt(total / float(pc.n - 1u)) : 0.0;
    }
}
