#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_kl_cov, the batch means (see CovLosses.TopCovariance): over the valid tokens
// (m > 0) mean A and mean log_prob, means = [mean A, mean log_prob]. One workgroup over all n tokens: invocation j
// adds tokens j, j + WG, … with Kahan compensation (so float32 lands on the double mean's rounding in all but rare
// cases) and workgroupSum combines the partials in a fixed order: the same bits run after run.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 2) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Means { float means[]; };

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
    vec2 a = vec2(0.0), lp = vec2(0.0);
    float count = 0.0;
    for (uint k = me; k < pc.n; k += WG)
    {
        if (mask[k] > 0.0)
        {
            a = kahanAdd(a, advantages[k]);
            lp = kahanAdd(lp, logProb[k]);
            count += 1.0;
        }
    }

    float total = workgroupSum(count);
    float aMean = workgroupSum(a.x - a.y) / total;
    float lpMean = workgroupSum(lp.x - lp.y) / total;
    if (me == 0u)
    {
        means[0] = aMean;
        means[1] = lpMean;
    }
}
