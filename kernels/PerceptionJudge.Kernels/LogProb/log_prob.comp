#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 entropy_from_logits and logprobs_from_logits of z = logits / T (see LogProbReference), one workgroup
// per token row: with the row statistics of log_sum_exp.glsl,
//   entropy[t] = max(0, ln S − W/S),  logProb[t] = (x[label] − M)/T − ln S.
// bad[t] = 1 flags a row holding NaN/Inf (the host throws naming it). Outputs not wanted are skipped.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Entropy { float entropy[]; };
layout(std430, set = 0, binding = 3) writeonly buffer LogProb { float logProb[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Bad { uint bad[]; };

layout(push_constant) uniform Push
{
    uint tokens;
    uint vocab;
    float invT;
    uint wantEntropy;
    uint wantLogProb;
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
        if (pc.wantEntropy != 0u)
        {
            entropy[t] = max(0.0, st.logSum - st.meanRel);
        }

        if (pc.wantLogProb != 0u)
        {
            logProb[t] = (logits[base + uint(labels[t])] - st.maxX) * pc.invT - st.logSum;
        }
    }
}
