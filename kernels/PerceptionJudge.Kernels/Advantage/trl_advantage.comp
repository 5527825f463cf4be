#version 450
#extension GL_GOOGLE_include_directive : require
// TRL GRPOTrainer advantages (see AdvantageReference.Trl): a_i = r_i − mean_g, divided by std + ε (ε = 1e-4) where
// std is the group's unbiased std (scale 0, "group") or the batch's from trl_batch_std.comp (scale 1, "batch"), and
// by nothing for scale 2 ("none"); a group of one has mean r_i and std 0, so a_i = 0. With d_i = r_i − r_first (shifted
// so a constant group centres to exactly 0): mean_d = Σ d / n, std_g = √(Σ (d − mean_d)² / (n − 1)).
// Layouts as grpo_outcome.comp: one invocation per group (pc.perInvocation, groups of ≤ 32 rows, summed in row order)
// or one workgroup per group (workgroupSum). Both give the same bits run after run.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) readonly buffer Offsets { int offsets[]; };
layout(std430, set = 0, binding = 2) readonly buffer Members { int members[]; };
layout(std430, set = 0, binding = 3) readonly buffer Stats { float stats[]; }; // [batch std] for scale 1
layout(std430, set = 0, binding = 4) writeonly buffer Advantages { float advantages[]; };

layout(push_constant) uniform Push
{
    uint groups;
    uint scale; // 0 group, 1 batch, 2 none
    float eps;
    uint perInvocation; // 1: invocation g handles group g alone; 0: workgroup g does
} pc;

#include "reduce.glsl"

float advantage(float centred, float groupStd)
{
    if (pc.scale == 2u)
    {
        return centred;
    }
    float std = pc.scale == 1u ? stats[0] : groupStd;
    return centred / (std + pc.eps);
}

// Group g by one invocation: the two passes in row order, then the writes.
void groupAlone(uint g)
{
    int begin = offsets[g];
    int n = offsets[g + 1] - begin;
    float first = rewards[members[begin]];
    float sumD = 0.0;
    for (int k = 0; k < n; ++k)
    {
        sumD += rewards[members[begin + k]] - first;
    }
    float meanD = sumD / float(n);
    float m2 = 0.0;
    for (int k = 0; k < n; ++k)
    {
        float c = (rewards[members[begin + k]] - first) - meanD;
        m2 += c * c;
    }
    float std = sqrt(m2 / float(max(n - 1, 1)));
    for (int k = 0; k < n; ++k)
    {
        int row = members[begin + k];
        advantages[row] = advantage((rewards[row] - first) - meanD, std);
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
    float first = rewards[members[begin]];

    float sumD = 0.0;
    for (int k = int(me); k < n; k += WG)
    {
        sumD += rewards[members[begin + k]] - first;
    }
    float meanD = workgroupSum(sumD) / float(n);

    float m2 = 0.0;
    for (int k = int(me); k < n; k += WG)
    {
        float c = (rewards[members[begin + k]] - first) - meanD;
        m2 += c * c;
    }
    float std = sqrt(workgroupSum(m2) / float(max(n - 1, 1)));

    for (int k = int(me); k < n; k += WG)
    {
        int row = members[begin + k];
        advantages[row] = advantage((rewards[row] - first) - meanD, std);
    }
}
