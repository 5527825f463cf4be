#version 450
#extension GL_GOOGLE_include_directive : require
// The chunked backward of one [tokens][columns] block (see IChunkedLogProbKernels.Backward), one workgroup per
// block row t, from the complete row's final statistics (M, ln S, W/S) that the host reads off its LogSumExpState:
// with zRel_j = (x_j − M)/T, p_j = e^{zRel_j − ln S} and z_j − μ = zRel_j − W/S,
//   gradLogits[t][j] = (gH·(−p_j·(z_j − μ)) + gL·(1[j = label] − p_j)) / T,
// where label is the row's label as a block column (−1 when it lies outside the block or there is no log-prob
// gradient) and gH, gL are the token's upstream gradients (0 where absent). A row holding NaN/Inf sets bad[t].
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Stats { float stats[]; };   // [tokens][M, ln S, W/S]
layout(std430, set = 0, binding = 2) readonly buffer Upstream { float upstream[]; }; // [tokens][gH, gL]
layout(std430, set = 0, binding = 3) readonly buffer Labels { int labels[]; };   // block column or −1
layout(std430, set = 0, binding = 4) writeonly buffer GradLogits { float gradLogits[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Bad { uint bad[]; };

layout(push_constant) uniform Push
{
    uint tokens;
    uint columns;
    float invT;
} pc;

#include "reduce.glsl"
#include "reduce_max.glsl"
#include "log_sum_exp.glsl"

void main()
{
    uint t = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (t >= pc.tokens)
    {
        return; // whole workgroup: uniform
    }

    uint base = t * pc.columns;
    float maxX = stats[3 * t], logSum = stats[3 * t + 1], meanRel = stats[3 * t + 2];
    float gH = upstream[2 * t], gL = upstream[2 * t + 1];
    int label = labels[t];
    bool rowBad = false;
    for (uint j = gl_LocalInvocationIndex; j < pc.columns; j += WG)
    {
        float x = logits[base + j];
        rowBad = rowBad || !(abs(x) <= 3.4028235e38);
        float zRel = (x - maxX) * pc.invT;
        float p = pjExp(zRel - logSum);
        float dH = -p * (zRel - meanRel);
        float dL = (int(j) == label ? 1.0 : 0.0) - p;
        gradLogits[base + j] = (gH * dH + gL * dL) * pc.invT;
    }

    float anyBad = workgroupSum(rowBad ? 1.0 : 0.0);
    if (gl_LocalInvocationIndex == 0)
    {
        bad[t] = anyBad > 0.0 ? 1u : 0u;
    }
}
