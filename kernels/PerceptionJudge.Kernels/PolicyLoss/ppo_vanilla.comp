#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_vanilla, per token (see PolicyLossMath.VanillaToken and PolicyLossReference):
// d = log_prob − old_log_prob, nak = clamp(d, ±20), r = e^nak, L1 = −A·r, L2 = −A·clamp(r, 1−ε_l, 1+ε_h),
// C1 = max(L1, L2), L3 = −A·c, pg = A < 0 ? min(L3, C1) : C1, with torch autograd's gradient d pg / d log_prob
// (max/min split ½–½ at a tie, clamp passes the gradient on its closed range only). One workgroup per row: it
// writes dpg·m per token (the host multiplies by the aggregation factor s_i) and the row's sums
// Σ pg·m, Σ m, Σ −nak·m, Σ [L2 > L1]·m, Σ [C1 > L3 ∧ A < 0]·m as rowSums[5·row + 0..4].
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
    float clipC; // clip_ratio_c
} pc;

#include "reduce.glsl"

// torch.maximum / torch.minimum with their gradients.
float maximumGrad(float a, float da, float b, float db, out float d)
{
    d = a > b ? da : (b > a ? db : 0.5 * (da + db));
    return a >= b ? a : b;
}

float minimumGrad(float a, float da, float b, float db, out float d)
{
    d = a < b ? da : (b < a ? db : 0.5 * (da + db));
    return a <= b ? a : b;
}

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0, negNakSum = 0.0, clipSum = 0.0, lowerSum = 0.0;
    uint base = row * pc.cols;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float a = advantages[k];
        float m = mask[k];
        float diff = logProb[k] - oldLogProb[k];
        float nak = clamp(diff, -20.0, 20.0);
        float inRange = diff >= -20.0 && diff <= 20.0 ? 1.0 : 0.0;
        float ratio = exp(nak);
        float negA = -a;
        float l1 = negA * ratio;
        float l2 = negA * clamp(ratio, pc.lower, pc.upper);
        float dl1 = negA * ratio;
        float dl2 = ratio >= pc.lower && ratio <= pc.upper ? dl1 : 0.0;
        float dc1;
        float c1 = maximumGrad(l1, dl1, l2, dl2, dc1);
        float l3 = negA * pc.clipC;
        float dc2;
        float c2 = minimumGrad(l3, 0.0, c1, dc1, dc2);
        bool neg = a < 0.0;
        float pg = neg ? c2 : c1;
        grad[k] = (neg ? dc2 : dc1) * inRange * m;
        lossSum += pg * m;
        maskSum += m;
        negNakSum -= nak * m;
        clipSum += l2 > l1 ? m : 0.0;
        lowerSum += c1 > l3 && neg ? m : 0.0;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    float s2 = workgroupSum(negNakSum);
    float s3 = workgroupSum(clipSum);
    float s4 = workgroupSum(lowerSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = s1;
        rowSums[5 * row + 2] = s2;
        rowSums[5 * row + 3] = s3;
        rowSums[5 * row + 4] = s4;
    }
}
