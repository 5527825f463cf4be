#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 agg_loss, first stage (see LossAggReference): one workgroup per row i of the [rows][cols] loss matrix
// writes rowSums[2i] = Σ_t x[i,t]·m[i,t] and rowSums[2i + 1] = Σ_t m[i,t]. Each invocation adds its strided tokens in
// column order, then workgroupSum combines them in a fixed order: the same bits run after run.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Loss { float lossMat[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 2) writeonly buffer RowSums { float rowSums[]; };

layout(push_constant) uniform Push
{
    uint rows;
    uint cols;
} pc;

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    float lossSum = 0.0, maskSum = 0.0;
    uint base = row * pc.cols;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        float m = mask[base + t];
        lossSum += lossMat[base + t] * m;
        maskSum += m;
    }

    float s0 = workgroupSum(lossSum);
    float s1 = workgroupSum(maskSum);
    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[2 * row] = s0;
        rowSums[2 * row + 1] = s1;
    }
}
