#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 outcome estimators with a group baseline (see AdvantageReference), over the GroupIndex CSR layout.
// s_i = Σ_t r[i,t] (float, column order); every group sum is taken of d_i = s_i − s_first (shifted by the group's
// first score, so a constant group centres to exactly 0); n = group size, L_i = Σ_t m[i,t]:
//   rloo (0): a_i = (d_i − mean d)·n / (n − 1); a group of one keeps s_i
//   opo  (1): a_i = d_i − Σ L·d / Σ L (length-weighted baseline); a group of one keeps s_i; a group (n ≥ 2) whose
//             lengths sum to 0 sets flags[g] = 1 and the host throws (verl would give NaN)
//   gpg  (2): a_i = α·(d_i − mean d) with α = alpha[0] (gpg_alpha.comp); a group of one gives α·s_i
//   centre (3): a_i = d_i − mean d; a group of one keeps s_i (reinforce_plus_plus_baseline, whitened afterwards)
// advantages[i,t] = returns[i,t] = a_i · m[i,t]. Layouts as grpo_outcome.comp: one invocation per small group (rows
// in member order), or one workgroup per group reducing with workgroupSum; both give the same bits run after run.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) readonly buffer Offsets { int offsets[]; };
layout(std430, set = 0, binding = 3) readonly buffer Members { int members[]; };
layout(std430, set = 0, binding = 4) readonly buffer Alpha { float alpha[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Advantages { float advantages[]; };
layout(std430, set = 0, binding = 6) writeonly buffer Returns { float returns[]; };
layout(std430, set = 0, binding = 7) writeonly buffer Flags { uint flags[]; };

layout(push_constant) uniform Push
{
    uint cols;
    uint groups;
    uint estimator;     // 0 rloo, 1 opo, 2 gpg, 3 centre
    uint perInvocation; // 1: invocation g handles group g alone; 0: workgroup g does
} pc;

#include "reduce.glsl"

float rowSum(int row, bool ofMask)
{
    float s = 0.0;
    uint base = uint(row) * pc.cols;
    for (uint t = 0; t < pc.cols; ++t)
    {
        s += ofMask ? mask[base + t] : rewards[base + t];
    }
    return s;
}

// What the group adds up for member row `row`: (d, 1) for the mean, (L·d, L) for opo's weighted baseline.
vec2 term(int row, float first)
{
    float d = rowSum(row, false) - first;
    if (pc.estimator == 1u)
    {
        float len = rowSum(row, true);
        return vec2(len * d, len);
    }
    return vec2(d, 1.0);
}

// Writes a_i · m[i,t] for one member row, given the group's sums (Σ weight·d, Σ weight).
void store(uint g, int row, float first, vec2 sums, int n)
{
    float s = rowSum(row, false);
    float d = s - first;
    float a;
    if (pc.estimator == 0u)
    {
        a = n == 1 ? s : (d - sums.x / float(n)) * float(n) / float(n - 1);
    }
    else if (pc.estimator == 1u)
    {
        if (n > 1 && sums.y == 0.0)
        {
            flags[g] = 1u;
        }
        a = n == 1 ? s : d - sums.x / sums.y;
    }
    else if (pc.estimator == 2u)
    {
        a = alpha[0] * (n == 1 ? s : d - sums.x / float(n));
    }
    else
    {
        a = n == 1 ? s : d - sums.x / float(n);
    }

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
    if (pc.perInvocation != 0u)
    {
        uint g = wg * WG + gl_LocalInvocationIndex;
        if (g >= pc.groups)
        {
            return;
        }

        int begin = offsets[g];
        int n = offsets[g + 1] - begin;
        float first = rowSum(members[begin], false);
        vec2 sums = vec2(0.0);
        for (int k = 0; k < n; ++k)
        {
            sums += term(members[begin + k], first);
        }
        for (int k = 0; k < n; ++k)
        {
            store(g, members[begin + k], first, sums, n);
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
    float first = rowSum(members[begin], false);
    vec2 part = vec2(0.0);
    for (int k = int(gl_LocalInvocationIndex); k < n; k += WG)
    {
        part += term(members[begin + k], first);
    }
    vec2 sums = vec2(workgroupSum(part.x), workgroupSum(part.y));
    for (int k = int(gl_LocalInvocationIndex); k < n; k += WG)
    {
        store(g, members[begin + k], first, sums, n);
    }
}
