#version 450
#extension GL_GOOGLE_include_directive : require
// The batch means of verl v0.6.0 kl_cov and clip_cov (see CovLosses): kl_cov (pc.weighted = 0) takes the plain means
// of A and log_prob over the valid tokens (m > 0); clip_cov (pc.weighted = 1) the masked means Σ x·m / (Σ m + 1e-8).
// means = [mean A, mean log_prob]. One workgroup over all n tokens: invocation j adds tokens j, j + WG, … with Kahan
// compensation (so float32 lands on the double mean's rounding in all but rare cases) and workgroupSum combines the
// partials in a fixed order: the same bits run after run.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 2) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Means { float means[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint weighted;
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
        float m = mask[k];
        if (pc.weighted != 0u)
        {
            a = kahanAdd(a, advantages[k] * m);
            lp = kahanAdd(lp, logProb[k] * m);
            count += m;
        }
        else if (m > 0.0)
        {
            a = kahanAdd(a, advantages[k]);
            lp = kahanAdd(lp, logProb[k]);
            count += 1.0;
        }
    }

    float total = workgroupSum(count) + (pc.weighted != 0u ? 1e-8 : 0.0);
    float aMean = workgroupSum(a.x - a.y) / total;
    float lpMean = workgroupSum(lp.x - lp.y) / total;
    if (me == 0u)
    {
        means[0] = aMean;
        means[1] = lpMean;
    }
}
