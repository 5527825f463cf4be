// Workgroup sum of one double per invocation (needs shaderFloat64), the same bits run after run on a device: with
// PJ_SUBGROUP each subgroup adds its values (subgroupAdd) and the per-subgroup partials are added in subgroup
// order; without it a shared-memory tree halves WG values at each step. Every invocation returns the total. Call in
// uniform control flow. WG (the workgroup size, a power of two) must be defined before including this file.

#extension GL_ARB_gpu_shader_fp64 : require
#ifdef PJ_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared double pj_partialsD[WG];

double workgroupSumD(double v)
{
#ifdef PJ_SUBGROUP
    double s = subgroupAdd(v);
    if (subgroupElect())
    {
        pj_partialsD[gl_SubgroupID] = s;
    }
    barrier();
    double total = 0.0LF;
    for (uint i = 0; i < gl_NumSubgroups; ++i)
    {
        total += pj_partialsD[i];
    }
    barrier();
    return total;
#else
    uint me = gl_LocalInvocationIndex;
    pj_partialsD[me] = v;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1)
    {
        if (me < stride)
        {
            pj_partialsD[me] += pj_partialsD[me + stride];
        }
        barrier();
    }
    double total = pj_partialsD[0];
    barrier();
    return total;
#endif
}
