#version 450
#extension GL_GOOGLE_include_directive : require
// NDCG@k partial sums (see RankingReference.Ndcg; sklearn ndcg_score, linear gain). Invocation i owns relevance
// r_i at predicted place i and finds its place in the ideal (descending) order exactly by counting on the order
// keys: p_i = #{r_j > r_i} + #{j < i : r_j = r_i} (ties keep input order; equal values give the same ideal DCG in
// any order). With top = min(k, n) and the discount d(p) = 1 / log2(p + 2):
//   DCG += [i < top] · r_i · d(i),   IDCG += [p_i < top] · r_i · d(p_i).
// Each workgroup adds its invocations' terms in a fixed order (reduce.glsl) and writes (DCG, IDCG); the host adds
// the partials in order in double. The host passes r scaled by 1 / max r (NDCG is scale-free) as float32.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Keys { uvec2 keys[]; };
layout(std430, set = 0, binding = 1) readonly buffer Rel { float rel[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Partials { vec2 partials[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint top;
    uint groups;
} pc;

#include "reduce.glsl"
#include "order_key.glsl"

float discountAt(uint place)
{
    return 1.0 / log2(float(place) + 2.0);
}

void main()
{
    uint g = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (g >= pc.groups)
    {
        return; // whole workgroup: uniform
    }

    uint i = g * WG + gl_LocalInvocationIndex;
    float dcg = 0.0, idcg = 0.0;
    if (i < pc.n)
    {
        uvec2 ki = keys[i];
        uint place = 0u;
        for (uint j = 0u; j < pc.n; ++j)
        {
            int s = compareKeys(keys[j], ki);
            place += (s > 0 || (s == 0 && j < i)) ? 1u : 0u;
        }

        float r = rel[i];
        dcg = i < pc.top ? r * discountAt(i) : 0.0;
        idcg = place < pc.top ? r * discountAt(place) : 0.0;
    }

    float dcgSum = workgroupSum(dcg);
    float idcgSum = workgroupSum(idcg);
    if (gl_LocalInvocationIndex == 0)
    {
        partials[g] = vec2(dcgSum, idcgSum);
    }
}
