#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_grpo_passk_outcome_advantage (see AdvantageReference.GrpoPassK), over the GroupIndex CSR
// layout: s_i = Σ_t r[i,t] (float, column order); in each group (the host has refused groups of fewer than 2 rows)
// only the best row gets gap = s_best − s_second, divided by std + ε (unbiased std of the group's scores, from sums
// of d_i = s_i − s_first) when normByStd; every other row gets 0. advantages[i,t] = returns[i,t] = a_i · m[i,t].
// Ties give gap 0, so which tied row counts as best does not change the output. Layouts as grpo_outcome.comp: one
// invocation per small group, or one workgroup per group: each invocation keeps the top two of its strided members,
// invocation 0 merges them in invocation order, and the std comes from workgroupSum; the same bits run after run.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) readonly buffer Offsets { int offsets[]; };
layout(std430, set = 0, binding = 3) readonly buffer Members { int members[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Advantages { float advantages[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Returns { float returns[]; };

layout(push_constant) uniform Push
{
    uint cols;
    uint groups;
    float eps;
    uint normByStd;
    uint perInvocation; // 1: invocation g handles group g alone; 0: workgroup g does
} pc;

#include "reduce.glsl"

shared float s_best[WG];
shared float s_second[WG];
shared int s_row[WG];

float score(int row)
{
    float s = 0.0;
    uint base = uint(row) * pc.cols;
    for (uint t = 0; t < pc.cols; ++t)
    {
        s += rewards[base + t];
    }
    return s;
}

// Folds score s of row `row` into a running top two (best, its row, second); strict >, so the first best is kept.
void push(float s, int row, inout float best, inout int bestRow, inout float second)
{
    if (s > best)
    {
        second = best;
        best = s;
        bestRow = row;
    }
    else if (s > second)
    {
        second = s;
    }
}

void store(int row, float a)
{
    uint base = uint(row) * pc.cols;
    for (uint t = 0; t < pc.cols; ++t)
    {
        float v = a * mask[base + t];
        advantages[base + t] = v;
        returns[base + t] = v;
    }
}

void main()
{
    uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    const float NEG_INF = uintBitsToFloat(0xff800000u);
    if (pc.perInvocation != 0u)
    {
        uint g = wg * WG + gl_LocalInvocationIndex;
        if (g >= pc.groups)
        {
            return;
        }

        int begin = offsets[g];
        int n = offsets[g + 1] - begin;
        float first = score(members[begin]);
        float best = NEG_INF, second = NEG_INF, sumD = 0.0;
        int bestRow = members[begin];
        for (int k = 0; k < n; ++k)
        {
            float s = score(members[begin + k]);
            push(s, members[begin + k], best, bestRow, second);
            sumD += s - first;
        }
        float meanD = sumD / float(n), m2 = 0.0;
        for (int k = 0; k < n; ++k)
        {
            float c = (score(members[begin + k]) - first) - meanD;
            m2 += c * c;
        }
        float gap = best - second;
        float a = pc.normByStd != 0u ? gap / (sqrt(m2 / float(n - 1)) + pc.eps) : gap;
        for (int k = 0; k < n; ++k)
        {
            int row = members[begin + k];
            store(row, row == bestRow ? a : 0.0);
        }
        return;
    }

    uint g = wg;
    if (g >= pc.groups)
    {
        return; // whole workgroup: uniform
    }

    uint me = gl_LocalInvocationIndex;
    int begin = offsets[g];
    int n = offsets[g + 1] - begin;
    float first = score(members[begin]);
    float best = NEG_INF, second = NEG_INF, sumD = 0.0;
    int bestRow = -1;
    for (int k = int(me); k < n; k += WG)
    {
        float s = score(members[begin + k]);
        push(s, members[begin + k], best, bestRow, second);
        sumD += s - first;
    }
    s_best[me] = best;
    s_second[me] = second;
    s_row[me] = bestRow;
    float meanD = workgroupSum(sumD) / float(n);
    if (me == 0u)
    {
        for (uint j = 1u; j < WG; ++j)
        {
            push(s_best[j], s_row[j], best, bestRow, second);
            second = max(second, s_second[j]);
        }
        s_best[0] = best;
        s_second[0] = second;
        s_row[0] = bestRow;
    }

    float m2 = 0.0;
    for (int k = int(me); k < n; k += WG)
    {
        float c = (score(members[begin + k]) - first) - meanD;
        m2 += c * c;
    }
    float std = sqrt(workgroupSum(m2) / float(n - 1)); // its barriers publish invocation 0's merge
    float gap = s_best[0] - s_second[0];
    float a = pc.normByStd != 0u ? gap / (std + pc.eps) : gap;
    int winner = s_row[0];
    for (int k = int(me); k < n; k += WG)
    {
        int row = members[begin + k];
        store(row, row == winner ? a : 0.0);
    }
}
