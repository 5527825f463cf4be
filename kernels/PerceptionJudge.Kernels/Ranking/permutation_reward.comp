#version 450
#extension GL_GOOGLE_include_directive : require
// Discordant pairs of already-parsed rankings (see RankingReference.PermutationRewards): row i of predicted and
// truth holds the place of each of n responses; D_i = #{r < s : (p_r − p_s)(t_r − t_s) < 0}. The host turns the
// exact count into the reward 1 − D_i / C(n,2) in double, so rewards equal the reference's bits. Two layouts, chosen
// by the host through pc.perInvocation: rows of n ≤ 32 (the judge's 2..26 responses) take one invocation each;
// longer rows take one workgroup, each invocation counting the pairs of its strided r, summed with workgroupSumU.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Predicted { int predicted[]; };
layout(std430, set = 0, binding = 1) readonly buffer Truth { int truth[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Discordant { uint discordant[]; };

layout(push_constant) uniform Push
{
    uint rows;
    uint n;
    uint perInvocation; // 1: invocation i handles row i alone; 0: workgroup i does
} pc;

#include "reduce_uint.glsl"

// Discordant pairs (r, s > r) for one r of the row starting at base.
uint pairsOf(uint base, uint r)
{
    int pr = predicted[base + r], tr = truth[base + r];
    uint d = 0u;
    for (uint s = r + 1; s < pc.n; ++s)
    {
        // Places are distinct within a row (checked permutations): opposite order ⇔ the comparisons differ.
        d += (pr < predicted[base + s]) != (tr < truth[base + s]) ? 1u : 0u;
    }
    return d;
}

void main()
{
    uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (pc.perInvocation != 0u)
    {
        uint row = wg * WG + gl_LocalInvocationIndex;
        if (row < pc.rows)
        {
            uint d = 0u;
            for (uint r = 0; r < pc.n; ++r)
            {
                d += pairsOf(row * pc.n, r);
            }
            discordant[row] = d;
        }
        return;
    }

    if (wg >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    uint d = 0u;
    for (uint r = gl_LocalInvocationIndex; r < pc.n; r += WG)
    {
        d += pairsOf(wg * pc.n, r);
    }

    uint total = workgroupSumU(d);
    if (gl_LocalInvocationIndex == 0)
    {
        discordant[wg] = total;
    }
}
