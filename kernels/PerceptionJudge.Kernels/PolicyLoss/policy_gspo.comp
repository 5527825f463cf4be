#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_gspo (see PolicyLossReference): per row i, with d = log_prob − old_log_prob,
// log s_i = Σ_t d·m / max(Σ_t m, 1), s_i = exp(min(log s_i, 10)) and ∂ log s_i / ∂ log_prob_t = 1 (verl's
// stop-gradient trick); per token L1 = −A·s_i, L2 = −A·clamp(s_i, 1−ε_l, 1+ε_h), pg = max(L1, L2) with torch's
// gradient (½–½ at a tie; clamp passes it on its closed range; none past the min(·, 10)). One workgroup per row, two
// passes: the row's log-ratio by workgroupSum, then per token dpg·m (the host multiplies by the seq-mean-token-mean
// factor s_i) and the row's sums Σ pg·m, Σ m, Σ −d·m, Σ [L2 > L1]·m, 0 as rowSums[5·row + 0..4].
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

// torch.maximum with its gradient.
float maximumGrad(float a, float da, float b, float db, out float d)
{
    d = a > b ? da : (b > a ? db : 0.5 * (da + db));
    return a >= b ? a : b;
}

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    uint base = row * pc.cols;
    float seqPart = 0.0, lenPart = 0.0;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        float m = mask[base + t];
        seqPart += (logProb[base + t] - oldLogProb[base + t]) * m;
        lenPart += m;
    }

    float len = workgroupSum(lenPart);
    float logS = workgroupSum(seqPart) / max(len, 1.0);
    float pass = logS <= 10.0 ? 1.0 : 0.0;
    float s = exp(min(logS, 10.0));
    bool inside = s >= pc.lower && s <= pc.upper;

    float lossSum = 0.0, negDSum = 0.0, clipSum = 0.0;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float m = mask[k];
        float negA = -advantages[k];
        float l1 = negA * s;
        float l2 = negA * clamp(s, pc.lower, pc.upper);
        float dl1 = negA * s * pass;
        float dpg;
        float pg = maximumGrad(l1, dl1, l2, inside ? dl1 : 0.0, dpg);
        grad[k] = dpg * m;
        lossSum += pg * m;
        negDSum -= (logProb[k] - oldLogProb[k]) * m;
        clipSum += l2 > l1 ? m : 0.0;
    }

    float s0 = workgroupSum(lossSum);
    float s2 = workgroupSum(negDSum);
    float s3 = workgroupSum(clipSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = len;
        rowSums[5 * row + 2] = s2;
        rowSums[5 * row + 3] = s3;
        rowSums[5 * row + 4] = 0.0;
    }
}
