#version 450
#extension GL_GOOGLE_include_directive : require
// Spearman ρ sums (see RankingReference.Spearman). The average rank of v_i is 1 + L_i + (E_i − 1)/2 with
// L_i = #{v_j < v_i}, E_i = #{v_j = v_i}; the ranks' mean is (n + 1)/2, so the doubled centred rank
// a_i = 2·rank_i − (n + 1) = 2·L_i + E_i − n is an exact integer. Workgroup g handles rows i in [g·R, g·R + R)
// (pc.rowsPerGroup): its invocations stride over j counting L and E of x and y (exact uint sums), then invocation 0
// accumulates Σ a·b, Σ a², Σ b² in 64-bit two's complement (imulExtended + uaddCarry; |a| ≤ n) and writes them.
// The host adds the partials in order (in 64-bit) and forms Σab / √(Σa² · Σb²) in double: the factor 4 of the
// doubling cancels, so ρ is exact up to that one division and square root.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer X { uvec2 x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { uvec2 y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Sums { uvec2 sums[]; }; // per group: Σab, Σa², Σb² as (lo, hi)

layout(push_constant) uniform Push
{
    uint n;
    uint rowsPerGroup;
    uint groups;
} pc;

#include "reduce_uint.glsl"
#include "order_key.glsl"

// acc += p·q as 64-bit two's complement (acc.x = lo, acc.y = hi).
uvec2 addProduct(uvec2 acc, int p, int q)
{
    int hi, lo;
    imulExtended(p, q, hi, lo);
    uint carry;
    uint sumLo = uaddCarry(acc.x, uint(lo), carry);
    return uvec2(sumLo, acc.y + uint(hi) + carry);
}

void main()
{
    uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (g >= pc.groups)
    {
        return; // whole workgroup: uniform
    }

    uvec2 ab = uvec2(0u), aa = uvec2(0u), bb = uvec2(0u);
    uint end = min(pc.n, (g + 1) * pc.rowsPerGroup);
    for (uint i = g * pc.rowsPerGroup; i < end; ++i)
    {
        uvec2 xi = x[i], yi = y[i];
        uvec4 c = uvec4(0u); // L_x, E_x, L_y, E_y
        for (uint j = gl_LocalInvocationIndex; j < pc.n; j += WG)
        {
            int sx = compareKeys(x[j], xi);
            int sy = compareKeys(y[j], yi);
            c.x += sx < 0 ? 1u : 0u;
            c.y += sx == 0 ? 1u : 0u;
            c.z += sy < 0 ? 1u : 0u;
            c.w += sy == 0 ? 1u : 0u;
        }

        int a = int(2u * workgroupSumU(c.x) + workgroupSumU(c.y)) - int(pc.n);
        int b = int(2u * workgroupSumU(c.z) + workgroupSumU(c.w)) - int(pc.n);
        ab = addProduct(ab, a, b);
        aa = addProduct(aa, a, a);
        bb = addProduct(bb, b, b);
    }

    if (gl_LocalInvocationIndex == 0)
    {
        sums[3 * g] = ab;
        sums[3 * g + 1] = aa;
        sums[3 * g + 2] = bb;
    }
}
