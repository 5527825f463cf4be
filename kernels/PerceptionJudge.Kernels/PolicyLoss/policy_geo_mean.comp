#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_geo_mean (GMPO; see CovLosses.GeoMean): per token, with d = log_prob −
// old_log_prob, σ = sign(A), dc = clamp(d, −ε_l, ε_h), u = σ·d, v = σ·dc, q = σ·min(u, v) and ∂q/∂d = σ²·[u < v or
// (u = v and d inside the clamp)]; per row r_i = exp(Σ q·m / (Σ m + 1e-8)), Ā_i = Σ A·m / (Σ m + 1e-8), the row's
// loss −Ā_i·r_i (the host averages over all rows), and d loss / d log_prob_t = −Ā_i·r_i·m·∂q/∂d / ((Σ m + 1e-8)·rows)
// written here in full (no host scaling). One workgroup per row, two passes; rowSums[5·row + 0..4] = −Ā_i·r_i, Σ m,
// Σ −d·m, Σ [d ≠ dc ∧ A > 0]·m, Σ [d ≠ dc ∧ A < 0]·m.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Old { float oldLogProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 2) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 5) writeonly buffer RowSums { float rowSums[]; };

layout(push_constant) uniform Push
{
    uint cols;
    uint rows;
    float lo; // clip_ratio_low (a log-ratio bound here, not 1 − ε)
    float hi; // clip_ratio_high
} pc;

#include "reduce.glsl"

const float EPS = 1e-8;

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.rows)
    {
        return; // whole workgroup: uniform
    }

    uint base = row * pc.cols;
    float qPart = 0.0, aPart = 0.0, lenPart = 0.0, negDPart = 0.0, clipPart = 0.0, lowerPart = 0.0;
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float d = logProb[k] - oldLogProb[k];
        float a = advantages[k];
        float m = mask[k];
        float sgn = sign(a);
        float dc = clamp(d, -pc.lo, pc.hi);
        qPart += (sgn * min(sgn * d, sgn * dc)) * m;
        aPart += a * m;
        lenPart += m;
        negDPart -= d * m;
        clipPart += d != dc && a > 0.0 ? m : 0.0;
        lowerPart += d != dc && a < 0.0 ? m : 0.0;
    }

    float len = workgroupSum(lenPart);
    float ratio = exp(workgroupSum(qPart) / (len + EPS));
    float adv = workgroupSum(aPart) / (len + EPS);
    float negD = workgroupSum(negDPart);
    float clip = workgroupSum(clipPart);
    float lower = workgroupSum(lowerPart);
    float rowFactor = -adv * ratio / ((len + EPS) * float(pc.rows));
    for (uint t = gl_LocalInvocationIndex; t < pc.cols; t += WG)
    {
        uint k = base + t;
        float d = logProb[k] - oldLogProb[k];
        float sgn = sign(advantages[k]);
        bool inside = d >= -pc.lo && d <= pc.hi;
        float u = sgn * d, v = sgn * clamp(d, -pc.lo, pc.hi);
        float g = sgn * sgn * (u < v || (u == v && inside) ? 1.0 : 0.0);
        grad[k] = rowFactor * mask[k] * g;
    }

    if (gl_LocalInvocationIndex == 0)
    {
        rowSums[5 * row + 0] = -adv * ratio;
        rowSums[5 * row + 1] = len;
        rowSums[5 * row + 2] = negD;
        rowSums[5 * row + 3] = clip;
        rowSums[5 * row + 4] = lower;
    }
}
