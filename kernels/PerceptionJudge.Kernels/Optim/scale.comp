#version 450
// x ← x · factor over the concatenated tensors of one call (the grad-norm clip, torch clip_grad_norm_'s mul_).
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) buffer Values { float values[]; };

layout(push_constant) uniform Push
{
    uint count;
    float factor;
} pc;

void main()
{
    uint i = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (i < pc.count)
    {
        values[i] *= pc.factor;
    }
}
