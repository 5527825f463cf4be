#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_grpo_outcome_advantage (see AdvantageReference.Grpo): one workgroup per group g of the
// GroupIndex CSR layout. s_i = Σ_t r[i,t] (float, in column order); with d_i = s_i − s_first (shifted by the group's
// first score so a constant group centres to exactly 0), mean_d = Σ d / n, std = √(Σ (d − mean_d)² / (n − 1));
// a_i = (d_i − mean_d) / (std + ε), or d_i − mean_d without std normalisation (Dr.GRPO); a group of one uses
// mean 0, std 1. advantages[i,t] = returns[i,t] = a_i · m[i,t]. Row sums are recomputed in each pass instead of
// being stored, so the shader needs no scratch buffer.
// Two layouts, chosen by the host through pc.perInvocation: small groups (verl's n rollouts per prompt) take one
// invocation per group, summing its rows in order with no barrier; large groups take one workgroup per group and
// reduce with workgroupSum (subgroup or shared memory). Both give the same bits run after run.
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

// Writes a_i · m[i,t] to both outputs for one member row.
void store(int row, float s, float first, float meanD, float std, int n)
{
    float centred = n == 1 ? s : (s - first) - meanD;
    float sd = n == 1 ? 1.0 : std;
    float a = pc.normByStd != 0u ? centred / (sd + pc.eps) : centred;
    uint base = uint(row) * pc.cols;
    for (uint t = 0; t < pc.cols; ++t)
    {
        float v = a * mask[base + t];
        advantages[base + t] = v;
        returns[base + t] = v;
    }
}

// Group g by one invocation: the same two passes, in row order.
void groupAlone(uint g)
{
    int begin = offsets[g];
    int n = offsets[g + 1] - begin;
    float first = score(members[begin]);
    float sumD = 0.0;
    for (int k = 0; k < n; ++k)
    {
        sumD += score(members[begin + k]) - first;
    }
    float meanD = sumD / float(n);
    float m2 = 0.0;
    for (int k = 0; k < n; ++k)
    {
        float c = (score(members[begin + k]) - first) - meanD;
        m2 += c * c;
    }
    float std = sqrt(m2 / float(max(n - 1, 1)));
    for (int k = 0; k < n; ++k)
    {
        int row = members[begin + k];
        store(row, score(row), first, meanD, std, n);
    }
}

void main()
{
    uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (pc.perInvocation != 0u)
    {
        uint g = wg * WG + gl_LocalInvocationIndex;
        if (g < pc.groups)
        {
            groupAlone(g);
        }
        return;
    }

    uint g = wg;
    if (g >= pc.groups)
    {
        return; // whole workgroup: uniform
    }

    int begin = offsets[g];
    int n = offsets[g + 1] - begin;
    uint me = gl_LocalInvocationIndex;
    float first = score(members[begin]);

    float sumD = 0.0;
    for (int k = int(me); k < n; k += WG)
    {
        sumD += score(members[begin + k]) - first;
    }
    float meanD = workgroupSum(sumD) / float(n);

    float m2 = 0.0;
    for (int k = int(me); k < n; k += WG)
    {
        float c = (score(members[begin + k]) - first) - meanD;
        m2 += c * c;
    }
    float std = sqrt(workgroupSum(m2) / float(max(n - 1, 1)));

    for (int k = int(me); k < n; k += WG)
    {
        int row = members[begin + k];
        store(row, score(row), first, meanD, std, n);
    }
}
