// Workgroup sum of one uint per invocation: subgroupAdd with PJ_SUBGROUP, else a shared-memory tree. Integer sums
// are exact, so every order gives the same result. Call in uniform control flow; WG must be defined first.

#ifdef PJ_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared uint pj_partialsU[WG];

uint workgroupSumU(uint v)
{
#ifdef PJ_SUBGROUP
    uint s = subgroupAdd(v);
    if (subgroupElect())
    {
        pj_partialsU[gl_SubgroupID] = s;
    }
    barrier();
    uint total = 0u;
    for (uint i = 0; i < gl_NumSubgroups; ++i)
    {
        total += pj_partialsU[i];
    }
    barrier();
    return total;
#else
    uint me = gl_LocalInvocationIndex;
    pj_partialsU[me] = v;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1)
    {
        if (me < stride)
        {
            pj_partialsU[me] += pj_partialsU[me + stride];
        }
        barrier();
    }
    uint total = pj_partialsU[0];
    barrier();
    return total;
#endif
}
