#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_kl_cov, per token (see CovLosses.KlCov), with d = log_prob − old_log_prob (not
// clamped): pg = −A·e^d, d pg / d log_prob = −A·e^d; on the tokens kl_cov_topk.comp selected pg += coef·|d| and
// d pg / d log_prob += coef·sign(d). One workgroup per row: it writes dpg·m per token (the host multiplies by the
// aggregation factor s_i) and the row's sums Σ pg·m, Σ m, Σ |d|·m (ppo_kl's numerator) as rowSums[5·row + 0..2];
// slots 3..4 are 0 (no clip fractions).
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Old { float oldLogProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 2) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 5) writeonly buffer RowSums { float rowSums[]; };
layout(std430, set = 0, binding = 6) readonly buffer Selected { uint selected[]; };

layout(push_constant) uniform Push
{
    uint cols;
    uint rows;
    float coef; // ppo_kl_coef
    float p1;   // unused
} pc;

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0, klSum = 0.0;
    uint base = row * pc.cols;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float d = logProb[k] - oldLogProb[k];
        float a = advantages[k];
        float m = mask[k];
        float pg = -a * exp(d);
        float dpg = pg;
        if (selected[k] != 0u)
        {
            pg += pc.coef * abs(d);
            dpg += pc.coef * sign(d);
        }
        grad[k] = dpg * m;
        lossSum += pg * m;
        maskSum += m;
        klSum += abs(d) * m;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    float s2 = workgroupSum(klSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = s0;
        rowSums[5 * row + 1] = s1;
        rowSums[5 * row + 2] = s2;
        rowSums[5 * row + 3] = 0.0;
        rowSums[5 * row + 4] = 0.0;
    }
}
