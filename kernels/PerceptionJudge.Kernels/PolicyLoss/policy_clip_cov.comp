#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_clip_cov, per token (see CovLosses.ClipCov), with d = log_prob − old_log_prob,
// r = e^d: pg = max(L1, L2) with L1 = −A·r, L2 = −A·clamp(r, 1 − ε_l, 1 + ε_h) (torch.maximum: ½ of each gradient
// at a tie; L2's gradient is −A·r inside the clamp, else 0); on the dropped tokens (corr = 0) pg·0 and gradient 0.
// One workgroup per row: it writes dpg·m per token (the host multiplies by the aggregation factor s_i) and the row's
// sums Σ pg·m, Σ m, Σ −d·m (ppo_kl), Σ dropped·m (pg_clipfrac) as rowSums[5·row + 0..3]; slot 4 is 0.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Old { float oldLogProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 2) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 5) writeonly buffer RowSums { float rowSums[]; };
layout(std430, set = 0, binding = 6) readonly buffer Dropped { uint dropped[]; };

layout(push_constant) uniform Push
{
    uint cols;
    uint rows;
    float lower; // 1 − ε_l
    float upper; // 1 + ε_h
} pc;

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0, nakSum = 0.0, dropSum = 0.0;
    uint base = row * pc.cols;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float d = logProb[k] - oldLogProb[k];
        float ratio = exp(d);
        float negA = -advantages[k];
        float l1 = negA * ratio, l2 = negA * clamp(ratio, pc.lower, pc.upper);
        float dl1 = negA * ratio;
        float dl2 = ratio >= pc.lower && ratio <= pc.upper ? dl1 : 0.0;
        float pg = l1 >= l2 ? l1 : l2;
        float dpg = l1 > l2 ? dl1 : l2 > l1 ? dl2 : 0.5 * (dl1 + dl2);
        float m = mask[k];
        if (dropped[k] != 0u)
        {
            pg *= 0.0;
            dpg = 0.0;
            dropSum += m;
        }
        grad[k] = dpg * m;
        lossSum += pg * m;
        maskSum += m;
        nakSum -= d * m;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    float s2 = workgroupSum(nakSum);
    float s3 = workgroupSum(dropSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = s1;
        rowSums[5 * row + 2] = s2;
        rowSums[5 * row + 3] = s3;
        rowSums[5 * row + 4] = 0.0;
    }
}
