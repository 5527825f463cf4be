// Row statistics of z = x / T for one workgroup per row (see OnlineLogSumExp and LogProbRows): each invocation
// streams its strided logits once with an online state relative to its running max m (on a new max m' both sums
// are rescaled by e^d, d = (m − m')/T: S ← S·e^d, W ← e^d(W + d·S)); then the workgroup takes the row max M
// (workgroupMax), shifts every state to M the same way and adds them (workgroupSum). pjExp is FastExp's float
// polynomial (Cody–Waite reduction, Cephes degree 7, ≤ 2 ulp), so the result does not lean on the driver's exp.
// Needs WG, reduce.glsl and reduce_max.glsl, and a `logits` buffer.

const float PJ_LOG2E = 1.44269504;
const float PJ_LN2_HI = 0.693359375;
const float PJ_LN2_LO = -2.12194440e-4;

// e^x for x ≤ 0 (arguments of a softmax); 0 below −87.3.
float pjExp(float x)
{
    if (x < -87.3)
    {
        return 0.0;
    }

    float xc = min(x, 88.3);
    float n = roundEven(xc * PJ_LOG2E);
    float f = fma(n, -PJ_LN2_LO, fma(n, -PJ_LN2_HI, xc));
    float p = fma(1.9875691500e-4, f, 1.3981999507e-3);
    p = fma(p, f, 8.3334519073e-3);
    p = fma(p, f, 4.1665795894e-2);
    p = fma(p, f, 1.6666665459e-1);
    p = fma(p, f, 5.0000001201e-1);
    p = fma(p, f * f, f) + 1.0;
    return p * intBitsToFloat((int(n) + 127) << 23);
}

struct RowStats
{
    float maxX;    // M, the row max of the raw logits
    float logSum;  // ln S, S = Σ e^{(x − M)/T}
    float meanRel; // W / S = Σ p·(z − M/T)
    bool bad;      // a NaN or an infinity in the row
};

RowStats rowStats(uint base, uint vocab, float invT)
{
    float m = -1.0 / 0.0;
    float s = 0.0, w = 0.0;
    bool bad = false;
    for (uint v = gl_LocalInvocationIndex; v < vocab; v += WG)
    {
        float x = logits[base + v];
        if (!(abs(x) <= 3.4028235e38))
        {
            bad = true;
            continue;
        }

        if (x > m)
        {
            if (s > 0.0)
            {
                float d = (m - x) * invT;
                float e = pjExp(d);
                w = e * (w + d * s);
                s *= e;
            }
            m = x;
        }

        float d = (x - m) * invT;
        float e = pjExp(d);
        s += e;
        w += e * d;
    }

    RowStats r;
    r.bad = workgroupSum(bad ? 1.0 : 0.0) > 0.0;
    r.maxX = workgroupMax(m);
    float sh = 0.0, wh = 0.0;
    if (s > 0.0)
    {
        float d = (m - r.maxX) * invT;
        float e = pjExp(d);
        sh = e * s;
        wh = e * (w + d * s);
    }

    float total = workgroupSum(sh);
    r.logSum = log(total);
    r.meanRel = workgroupSum(wh) / total;
    return r;
}
