#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_gpg, per token (see PolicyLossReference): pg = −log_prob·A, d pg / d log_prob = −A.
// One workgroup per row: it writes dpg·m per token (the host multiplies by the aggregation factor s_i) and the row's
// sums Σ pg·m, Σ m as rowSums[5·row + 0..1]; the metric slots 2..4 are 0 (gpg reports no clip or KL metrics).
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
    float p0; // unused
    float p1; // unused
} pc;

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0;
    uint base = row * pc.cols;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float a = advantages[k];
        float m = mask[k];
        grad[k] = -a * m;
        lossSum += (-logProb[k] * a) * m;
        maskSum += m;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = s1;
        rowSums[5 * row + 2] = 0.0;
        rowSums[5 * row + 3] = 0.0;
        rowSums[5 * row + 4] = 0.0;
    }
}
