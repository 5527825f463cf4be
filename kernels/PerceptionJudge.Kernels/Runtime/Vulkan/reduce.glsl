// Workgroup sum of one float per invocation, the same bits run after run on a device: with PJ_SUBGROUP each
// subgroup adds its values (subgroupAdd) and the per-subgroup partials are added in subgroup order; without it a
// shared-memory tree halves WG values at each step. Every invocation returns the total. Call in uniform control flow.
// WG (the workgroup size, a power of two) must be defined before including this file.

#ifdef PJ_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float pj_partials[WG];

float workgroupSum(float v)
{
#ifdef PJ_SUBGROUP
    float s = subgroupAdd(v);
    if (subgroupElect())
    {
        pj_partials[gl_SubgroupID] = s;
    }
    barrier();
    float total = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; ++i)
    {
        total += pj_partials[i];
    }
    barrier();
    return total;
#else
    uint me = gl_LocalInvocationIndex;
    pj_partials[me] = v;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1)
    {
        if (me < stride)
        {
            pj_partials[me] += pj_partials[me + stride];
        }
        barrier();
    }
    float total = pj_partials[0];
    barrier();
    return total;
#endif
}
