#version 450
// verl v0.6.0 compute_policy_loss_clip_cov, the candidate test per token (see CovLosses.ClipCov), with
// d = log_prob − old_log_prob, r = e^d, L1 = −A·r, L2 = −A·clamp(r, 1 − ε_l, 1 + ε_h) and
// cov = (A − masked_mean A)(log_prob − masked_mean log_prob) from cov_means.comp:
//   candidate[k] = m > 0 ∧ L2 ≤ L1 (unclipped) ∧ clip_cov_lb < cov < clip_cov_ub.
// The host draws which candidates to drop (a seeded .NET Random, see VulkanCov.cs).
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Old { float oldLogProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 2) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 4) readonly buffer Means { float means[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Candidate { uint candidate[]; };

layout(push_constant) uniform Push
{
    uint n;
    float lower; // 1 − ε_l
    float upper; // 1 + ε_h
    float lb;    // clip_cov_lb
    float ub;    // clip_cov_ub
} pc;

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (k >= pc.n)
    {
        return;
    }

    float a = advantages[k];
    float ratio = exp(logProb[k] - oldLogProb[k]);
    float l1 = -a * ratio, l2 = -a * clamp(ratio, pc.lower, pc.upper);
    float cov = (a - means[0]) * (logProb[k] - means[1]);
    bool take = mask[k] > 0.0 && !(l2 > l1) && cov > pc.lb && cov < pc.ub;
    candidate[k] = take ? 1u : 0u;
}
