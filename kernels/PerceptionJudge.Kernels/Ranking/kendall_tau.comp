#version 450
#extension GL_GOOGLE_include_directive : require
// Pair counts of Kendall τ-b (see RankingReference.KendallTau): over pairs i < j, C = #{s_x·s_y > 0},
// D = #{s_x·s_y < 0}, Tx = #{s_x = 0}, Ty = #{s_y = 0} with s = sign(v_i − v_j). The host passes each double as a
// 64-bit key (hi, lo) whose unsigned order is the order of the values (−0 folded into +0), so no shaderFloat64 is
// needed and comparisons are exact. Workgroup g counts the pairs of rows i in [g·R, g·R + R) (pc.rowsPerGroup),
// invocations striding over j, and writes (C, D, Tx, Ty) as exact uint sums; the host adds the partials in order
// (in 64-bit) and forms (C − D) / √((n0 − Tx)(n0 − Ty)) in double, as the reference does.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer X { uvec2 x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { uvec2 y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Counts { uvec4 counts[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint rowsPerGroup;
    uint groups;
} pc;

#include "reduce_uint.glsl"
#include "order_key.glsl"

void main()
{
    uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (g >= pc.groups)
    {
        return; // whole workgroup: uniform
    }

    uvec4 c = uvec4(0u);
    uint end = min(pc.n, (g + 1) * pc.rowsPerGroup);
    for (uint i = g * pc.rowsPerGroup; i < end; ++i)
    {
        uvec2 xi = x[i], yi = y[i];
        for (uint j = i + 1 + gl_LocalInvocationIndex; j < pc.n; j += WG)
        {
            int sx = compareKeys(xi, x[j]);
            int sy = compareKeys(yi, y[j]);
            c.x += sx * sy > 0 ? 1u : 0u;
            c.y += sx * sy < 0 ? 1u : 0u;
            c.z += sx == 0 ? 1u : 0u;
            c.w += sy == 0 ? 1u : 0u;
        }
    }

    uvec4 total = uvec4(workgroupSumU(c.x), workgroupSumU(c.y), workgroupSumU(c.z), workgroupSumU(c.w));
    if (gl_LocalInvocationIndex == 0)
    {
        counts[g] = total;
    }
}
