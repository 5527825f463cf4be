#version 450
// verl masked_whiten(x, m)·m, last stage: y = (x − μ)·scale·m with stats = [μ, scale] from whiten_stats.comp; with
// copyToReturns, returns = y as well (reinforce_plus_plus_baseline). One invocation per element.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) readonly buffer Stats { float stats[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Returns { float returns[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint copyToReturns;
} pc;

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (k >= pc.n)
    {
        return;
    }

    float v = ((x[k] - stats[0]) * stats[1]) * mask[k];
    y[k] = v;
    if (pc.copyToReturns != 0u)
    {
        returns[k] = v;
    }
}
