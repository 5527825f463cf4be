// Workgroup max of one float per invocation, with the same variants as workgroupSum (subgroupMax, or a shared-memory
// tree); max is exact, so every order gives the same bits. Include after reduce.glsl (it reuses pj_partials). Call
// in uniform control flow. NaN inputs must be flagged by the caller: max() with a NaN operand is undefined in GLSL.

float workgroupMax(float v)
{
#ifdef PJ_SUBGROUP
    float s = subgroupMax(v);
    if (subgroupElect())
    {
        pj_partials[gl_SubgroupID] = s;
    }
    barrier();
    float total = pj_partials[0];
    for (uint i = 1; i < gl_NumSubgroups; ++i)
    {
        total = max(total, pj_partials[i]);
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
            pj_partials[me] = max(pj_partials[me], pj_partials[me + stride]);
        }
        barrier();
    }
    float total = pj_partials[0];
    barrier();
    return total;
#endif
}
