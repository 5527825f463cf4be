#version 450
#extension GL_GOOGLE_include_directive : require
// The backward of log_prob.comp (see LogProbReference.Backward), one workgroup per token row: with the row
// statistics of log_sum_exp.glsl, p_v = e^{(x_v − M)/T − ln S} and z_v − μ = (x_v − M)/T − W/S,
//   gradLogits[t][v] = (gH·(−p_v·(z_v − μ)) + gL·(1[v = label] − p_v)) / T,
// overwriting every element. gH, gL are 0 where the upstream gradient is absent (pc.hasH / pc.hasL).
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, set = 0, binding = 2) readonly buffer GradEntropy { float gradEntropy[]; };
layout(std430, set = 0, binding = 3) readonly buffer GradLogProb { float gradLogProb[]; };
layout(std430, set = 0, binding = 4) writeonly buffer GradLogits { float gradLogits[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Bad { uint bad[]; };

layout(push_constant) uniform Push
{
    uint tokens;
    uint vocab;
    float invT;
    uint hasH;
    uint hasL;
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

    uint base = t * pc.vocab;
    RowStats st = rowStats(base, pc.vocab, pc.invT);
    if (gl_LocalInvocationIndex == 0)
    {
        bad[t] = st.bad ? 1u : 0u;
    }

    float gH = pc.hasH != 0u ? gradEntropy[t] : 0.0;
    float gL = pc.hasL != 0u ? gradLogProb[t] : 0.0;
    int label = pc.hasL != 0u ? labels[t] : -1;
    for (uint v = gl_LocalInvocationIndex; v < pc.vocab; v += WG)
    {
        float zRel = (logits[base + v] - st.maxX) * pc.invT;
        float p = pjExp(zRel - st.logSum);
        float dH = -p * (zRel - st.meanRel);
        float dL = (int(v) == label ? 1.0 : 0.0) - p;
        gradLogits[base + v] = (gH * dH + gL * dL) * pc.invT;
    }
}
