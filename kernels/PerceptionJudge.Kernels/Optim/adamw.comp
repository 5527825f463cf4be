#version 450
// Fused multi-tensor AdamW (torch.optim.AdamW _single_tensor_adamw, amsgrad = false; see OptimReference.AdamW): the
// host concatenates every parameter tensor of the step, with its grad and moments, into four buffers, so one
// dispatch updates them all, EPI elements per invocation (WG apart, so every load stays coalesced; all loads are
// issued before any math, which keeps 4× more bytes in flight on a high-bandwidth GPU). With g = gradScale·grad (the fused clip coefficient):
//   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
//   p ← p − (lr / bc1) · m / (√v / √bc2 + eps),  bc1 = 1 − β1^t, bc2 = 1 − β2^t.
// The coefficients arrive as floats derived in double on the host, as in the CPU backend. Grads are not written.
#define WG 256
#define EPI 4
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grads { float grads[]; };
layout(std430, set = 0, binding = 2) buffer ExpAvg { float expAvg[]; };
layout(std430, set = 0, binding = 3) buffer ExpAvgSq { float expAvgSq[]; };

layout(push_constant) uniform Push
{
    uint count;
    float gradScale;
    float decay;        // 1 − lr·wd
    float beta1;
    float oneMinusBeta1;
    float beta2;
    float oneMinusBeta2;
    float stepSize;     // lr / bc1
    float bc2Sqrt;      // √bc2
    float eps;
} pc;

void main()
{
    uint base = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * (WG * EPI) + gl_LocalInvocationIndex;
    if (pc.count == 0u)
    {
        return;
    }

    float g[EPI], m0[EPI], v0[EPI], p0[EPI];
    for (uint j = 0u; j < EPI; j++)
    {
        uint i = min(base + j * WG, pc.count - 1u); // clamped: a tail load is harmless and never stored
        g[j] = grads[i];
        m0[j] = expAvg[i];
        v0[j] = expAvgSq[i];
        p0[j] = params[i];
    }

    for (uint j = 0u; j < EPI; j++)
    {
        uint i = base + j * WG;
        if (i >= pc.count)
        {
            return;
        }

        float gs = g[j] * pc.gradScale;
        float m = fma(pc.beta1, m0[j], pc.oneMinusBeta1 * gs);
        float v = fma(pc.beta2, v0[j], pc.oneMinusBeta2 * gs * gs);
        float p = p0[j] * pc.decay;
        params[i] = p - pc.stepSize * m / (sqrt(v) / pc.bc2Sqrt + pc.eps);
        expAvg[i] = m;
        expAvgSq[i] = v;
    }
}
