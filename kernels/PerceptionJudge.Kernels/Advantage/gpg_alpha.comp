#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_gpg_outcome_advantage's batch factor α = B / max(1, #{i : s_i ≠ 0}), s_i = Σ_t r[i,t] (float,
// column order). One workgroup: invocation j counts rows j, j + WG, …, and workgroupSum adds the counts (exact in
// float below 2^24 rows). group_baseline.comp reads alpha[0].
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Rewards { float rewards[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Alpha { float alpha[]; };

layout(push_constant) uniform Push
{
    uint rows;
    uint cols;
} pc;

#include "reduce.glsl"

void main()
{
    float count = 0.0;
    for (uint i = gl_LocalInvocationIndex; i < pc.rows; i += WG)
    {
        float s = 0.0;
        for (uint t = 0; t < pc.cols; ++t)
        {
            s += rewards[i * pc.cols + t];
        }
        count += s != 0.0 ? 1.0 : 0.0;
    }

    float nonZero = workgroupSum(count);
    if (gl_LocalInvocationIndex == 0)
    {
        alpha[0] = float(pc.rows) / max(1.0, nonZero);
    }
}
