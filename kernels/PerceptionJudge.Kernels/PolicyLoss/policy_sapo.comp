#version 450
#extension GL_GOOGLE_include_directive : require
// verl compute_policy_loss_sapo, per token (see PolicyLossReference): d = log_prob − old_log_prob,
// nak = clamp(d, ±20), r = e^nak, τ = A > 0 ? τ⁺ : τ⁻, σ = sigmoid(τ(r − 1)), pg = −σ·(4/τ)·A,
// d pg / d log_prob = −A·4σ(1−σ)·r·[|d| ≤ 20]. One workgroup per row: it writes dpg·m per token (the host multiplies
// by the seq-mean-token-mean factor s_i) and the row's sums Σ pg·m, Σ m, Σ −nak·m, 0, 0 as rowSums[5·row + 0..4].
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
    float tauPos;
    float tauNeg;
} pc;

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0, negNakSum = 0.0;
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
        float tau = a > 0.0 ? pc.tauPos : pc.tauNeg;
        float sig = 1.0 / (1.0 + exp(-(tau * (ratio - 1.0))));
        float pg = -(sig * (4.0 / tau)) * a;
        grad[k] = (-a * (4.0 * sig * (1.0 - sig) * ratio) * inRange) * m;
        lossSum += pg * m;
        maskSum += m;
        negNakSum -= nak * m;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    float s2 = workgroupSum(negNakSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = s1;
        rowSums[5 * row + 2] = s2;
        rowSums[5 * row + 3] = 0.0;
        rowSums[5 * row + 4] = 0.0;
    }
}
