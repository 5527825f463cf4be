#version 450
// One pass of the separable Gaussian blur (see PerturbReference.GaussianBlur; float taps as PerturbCpu), one
// invocation per pixel of every plane: dst(x, y) = Σ_k w[k]·src(clamp(x + k − r), y) (pc.vertical 0) or
// Σ_k w[k]·src(x, clamp(y + k − r)) (1), edge replication, taps added in k order in float. The host runs the
// horizontal pass into a scratch buffer, then the vertical pass back, in one submission. Agreement with the
// double reference: |Δ| ≤ 1e-5 on the [0, 1] scale.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };
layout(std430, set = 0, binding = 2) readonly buffer Taps { float taps[]; };

layout(push_constant) uniform Push
{
    uint width;
    uint height;
    uint planes;
    uint tapCount; // 2r + 1
    uint vertical;
} pc;

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    uint plane = pc.width * pc.height;
    if (k >= plane * pc.planes)
    {
        return;
    }

    uint base = (k / plane) * plane;
    int x = int(k % pc.width), y = int((k % plane) / pc.width);
    int r = int(pc.tapCount / 2u);
    float acc = 0.0;
    for (int t = 0; t < int(pc.tapCount); ++t)
    {
        int xx = pc.vertical != 0u ? x : clamp(x + t - r, 0, int(pc.width) - 1);
        int yy = pc.vertical != 0u ? clamp(y + t - r, 0, int(pc.height) - 1) : y;
        acc += taps[t] * src[base + uint(yy) * pc.width + uint(xx)];
    }

    dst[k] = acc;
}
