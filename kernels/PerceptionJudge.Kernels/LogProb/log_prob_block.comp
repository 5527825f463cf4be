#version 450
#extension GL_GOOGLE_include_directive : require
// The piece statistics of one [tokens][columns] block of the chunked log-prob (see ChunkedLogProbReference and
// OnlineLogSumExp), one workgroup per block row t, in one streaming read (log_sum_exp.glsl over the row's columns):
//   stats[t] = (M, ln S, W/S) with M the piece's max raw logit, S = Σ e^{(x − M)/T}, W = Σ e^{(x − M)/T}·(x − M)/T;
// bad[t] = 1 flags a row holding NaN/Inf (the host throws naming its global token and column). The host merges the
// piece into the running LogSumExpState in double, as ChunkedLogProbCpu does with its float row statistics.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Stats { float stats[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Bad { uint bad[]; };

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

    RowStats st = rowStats(t * pc.columns, pc.columns, pc.invT);
    if (gl_LocalInvocationIndex == 0)
    {
        bad[t] = st.bad ? 1u : 0u;
        stats[3 * t] = st.maxX;
        stats[3 * t + 1] = st.logSum;
        stats[3 * t + 2] = st.meanRel;
    }
}
