#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 agg_loss, second stage (see AggMath): a single workgroup folds the per-row sums r_i = Σ m·x, c_i = Σ m
// (rowSums, written by agg_rows) into the loss and the per-row gradient factor s_i (d loss / d x[i,t] = s_i·m[i,t]):
//   token-mean (0):              s = 1 / (Σ c + 1e-8), loss = Σ r · s
//   seq-mean-token-sum (1):      D = #{c_i > 0} + 1e-8, s_i = [c_i > 0] / D, loss = Σ_{c_i > 0} r_i / D
//   seq-mean-token-mean (2):     as (1) with r_i and s_i divided by (c_i + 1e-8)
//   seq-mean-token-sum-norm (3): s = 1 / divisor (loss_scale_factor, default cols), loss = Σ r · s
// Invocation j adds rows j, j + WG, … in order and workgroupSum combines the partials in a fixed order, so the same
// input gives the same bits; float32 throughout (the CPU backends finish in double).
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer RowSums { float rowSums[]; };
layout(std430, set = 0, binding = 1) writeonly buffer RowScale { float rowScale[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Result { float result[]; };

layout(push_constant) uniform Push
{
    uint rows;
    uint mode;     // AggMode order
    float divisor; // seq-mean-token-sum-norm divisor
} pc;

#include "reduce.glsl"

const float EPS = 1e-8;

void main()
{
    uint me = gl_LocalInvocationIndex;
    float num = 0.0, den = 0.0, nonEmpty = 0.0, seqSum = 0.0;
    for (uint i = me; i < pc.rows; i += WG)
    {
        float r = rowSums[2 * i], c = rowSums[2 * i + 1];
        num += r;
        den += c;
        nonEmpty += c > 0.0 ? 1.0 : 0.0;
        float tokenDen = pc.mode == 2u ? c + EPS : 1.0;
        seqSum += c > 0.0 ? r / tokenDen : 0.0;
    }

    num = workgroupSum(num);
    den = workgroupSum(den);
    nonEmpty = workgroupSum(nonEmpty);
    seqSum = workgroupSum(seqSum);

    float seqDen = nonEmpty + EPS;
    for (uint i = me; i < pc.rows; i += WG)
    {
        float c = rowSums[2 * i + 1];
        float s;
        if (pc.mode == 0u)
        {
            s = 1.0 / (den + EPS);
        }
        else if (pc.mode == 3u)
        {
            s = 1.0 / pc.divisor;
        }
        else
        {
            float tokenDen = pc.mode == 2u ? c + EPS : 1.0;
            s = c > 0.0 ? 1.0 / (tokenDen * seqDen) : 0.0;
        }

        rowScale[i] = s;
    }

    if (me == 0u)
    {
        result[0] = pc.mode == 0u ? num * (1.0 / (den + EPS))
            : pc.mode == 3u ? num / pc.divisor
            : seqSum / seqDen;
    }
}
