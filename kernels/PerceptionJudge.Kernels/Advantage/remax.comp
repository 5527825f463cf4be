#version 450
// verl v0.6.0 compute_remax_outcome_advantage (see AdvantageReference.Remax): per row i, right to left,
// returns[i,t] = Σ_{u ≥ t} r[i,u]·m[i,u] (reverse cumulative sum, float) and
// advantages[i,t] = returns[i,t] − reward_baselines[i]·m[i,t]. One invocation per row scans its row in a fixed
// order, so the same input gives the same bits.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) readonly buffer Baselines { float baselines[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Advantages { float advantages[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Returns { float returns[]; };

layout(push_constant) uniform Push
{
    uint rows;
    uint cols;
} pc;

void main()
{
    uint row = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (row >= pc.rows)
    {
        return;
    }

    float suffix = 0.0;
    float b = baselines[row];
    uint base = row * pc.cols;
    for (uint t = pc.cols; t > 0u; --t)
    {
        uint k = base + t - 1u;
        float m = mask[k];
        suffix += rewards[k] * m;
        returns[k] = suffix;
        advantages[k] = suffix - b * m;
    }
}
