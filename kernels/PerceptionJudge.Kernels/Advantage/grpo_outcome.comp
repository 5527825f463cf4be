#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_grpo_outcome_advantage (see AdvantageReference.Grpo): one workgroup per group g of the
// GroupIndex CSR layout. s_i = Σ_t r[i,t] (float, in column order); with d_i = s_i − s_first (shifted by the group's
// first score so a constant group centres to exactly 0), mean_d = Σ d / n, std = √(Σ (d − mean_d)² / (n − 1));
// a_i = (d_i − mean_d) / (std + ε), or d_i − mean_d without std normalisation (Dr.GRPO); a group of one uses
// mean 0, std 1. advantages[i,t] = returns[i,t] = a_i · m[i,t]. Row sums are recomputed in each pass instead of
// being stored, so the shader needs no scratch buffer.
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

void main()
{
    uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
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
        float s = score(row);
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
}
