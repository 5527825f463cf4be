#version 450
#extension GL_GOOGLE_include_directive : require
// verl compute_policy_loss_cispo, per token (see PolicyLossReference): nak = clamp(d, ±20), r = e^nak,
// w = clamp(r, 1−ε_l, 1+ε_h) (detached), pg = −w·A·log_prob, d pg / d log_prob = −w·A. One workgroup per row: it
// writes dpg·m per token (the host multiplies by the aggregation factor s_i) and the row's sums Σ pg·m, Σ m,
// Σ −nak·m, Σ [r ≠ w]·m, 0 as rowSums[5·row + 0..4].
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Old { float oldLogProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 2) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 5) writeonly buffer RowSums { float rowSums[]; };

layout(push_constant) uniform Push
{
    uint cols;
    uint rows;
    float lower; // 1 − clip_ratio_low
    float upper; // 1 + clip_ratio_high
} pc;

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0, negNakSum = 0.0, clipSum = 0.0;
    uint base = row * pc.cols;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float a = advantages[k];
        float m = mask[k];
        float lp = logProb[k];
        float nak = clamp(lp - oldLogProb[k], -20.0, 20.0);
        float ratio = exp(nak);
        float w = clamp(ratio, pc.lower, pc.upper);
        grad[k] = (-w * a) * m;
        lossSum += ((-w * a) * lp) * m;
        maskSum += m;
        negNakSum -= nak * m;
        clipSum += ratio != w ? m : 0.0;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    float s2 = workgroupSum(negNakSum);
    float s3 = workgroupSum(clipSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = s1;
        rowSums[5 * row + 2] = s2;
        rowSums[5 * row + 3] = s3;
        rowSums[5 * row + 4] = 0.0;
    }
}
