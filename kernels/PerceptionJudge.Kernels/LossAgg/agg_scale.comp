#version 450
// verl v0.6.0 agg_loss, gradient stage: d loss / d x[i,t] = s_i · m[i,t] with s_i from agg_finish. One invocation
// per element; no reduction.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 1) readonly buffer RowScale { float rowScale[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Grad { float grad[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint cols;
} pc;

void main()
{
    uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    uint k = wg * WG + gl_LocalInvocationIndex;
    if (k < pc.n)
    {
        grad[k] = rowScale[k / pc.cols] * mask[k];
    }
}
