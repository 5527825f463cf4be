#version 450
// verl v0.6.0 compute_reinforce_plus_plus_outcome_advantage, first stage (see AdvantageReference.ReinforcePlusPlus):
// per row, right to left, G = r[i,t] + γ·G; returns[i,t] = G; G ← G·m[i,t] (the mask resets the running return after
// EOS). One invocation per row scans its row in a fixed order (float32). masked_whiten.comp then whitens the returns.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Returns { float returns[]; };

layout(push_constant) uniform Push
{
    uint rows;
    uint cols;
    float gamma;
} pc;

void main()
{
    uint row = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (row >= pc.rows)
    {
        return;
    }

    float running = 0.0;
    uint base = row * pc.cols;
    for (uint t = pc.cols; t > 0u; --t)
    {
        uint k = base + t - 1u;
        running = rewards[k] + pc.gamma * running;
        returns[k] = running;
        running *= mask[k];
    }
}
