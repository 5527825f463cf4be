#version 450
// verl v0.6.0 kl_penalty / kl_penalty_forward, element-wise (see KlReference): with d = logp − ref,
// k1: d, ∂ 1; abs: |d|, ∂ sign(d) (0 at 0); k2: ½d², ∂ d;
// k3: x = clamp(−d, ±20), kld = e^x − x − 1, kl = clamp(kld, ±10), ∂ = (1 − e^x)·[|−d| ≤ 20]·[|kld| ≤ 10];
// straight-through ("+"): the estimator's value with k2's gradient d. EPI elements per invocation, WG apart (coalesced),
// all loaded before any math so more bytes are in flight; no reduction.
#define WG 256
#define EPI 4
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Lp { float logprob[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ref { float refLogprob[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Kl { float kl[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Grad { float grad[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint estimator;       // 0 k1, 1 abs, 2 k2, 3 k3 (KlEstimator order)
    uint straightThrough; // 1: gradient of k2
    uint wantGrad;        // 0: grad is a placeholder buffer
} pc;

void element(uint k, float lp, float rf)
{
    float d = lp - rf;
    float value;
    float g;
    if (pc.estimator == 0u)
    {
        value = d;
        g = 1.0;
    }
    else if (pc.estimator == 1u)
    {
        value = abs(d);
        g = d > 0.0 ? 1.0 : (d < 0.0 ? -1.0 : 0.0);
    }
    else if (pc.estimator == 2u)
    {
        value = 0.5 * (d * d);
        g = d;
    }
    else
    {
        float x = rf - lp;
        float xc = clamp(x, -20.0, 20.0);
        float ratio = exp(xc);
        float kld = (ratio - xc) - 1.0;
        bool pass = x >= -20.0 && x <= 20.0 && kld >= -10.0 && kld <= 10.0;
        g = pass ? -(ratio - 1.0) : 0.0;
        value = clamp(kld, -10.0, 10.0);
    }

    kl[k] = value;
    if (pc.wantGrad != 0u)
    {
        grad[k] = pc.straightThrough != 0u ? d : g;
    }
}

void main()
{
    uint base = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * (WG * EPI) + gl_LocalInvocationIndex;
    if (pc.n == 0u)
    {
        return;
    }

    float lp[EPI], rf[EPI];
    for (uint j = 0u; j < EPI; j++)
    {
        uint k = min(base + j * WG, pc.n - 1u); // clamped: a tail load is harmless and never stored
        lp[j] = logprob[k];
        rf[j] = refLogprob[k];
    }

    for (uint j = 0u; j < EPI; j++)
    {
        uint k = base + j * WG;
        if (k >= pc.n)
        {
            return;
        }

        element(k, lp[j], rf[j]);
    }
}
