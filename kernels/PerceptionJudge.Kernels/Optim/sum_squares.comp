#version 450
#extension GL_GOOGLE_include_directive : require
// Σ x² per chunk in double (needs shaderFloat64; see sum_squares_compensated.comp otherwise), the spec being
// OptimReference.SumSquares. The host cuts every tensor of the call into chunks of at most CHUNK elements (a chunk
// never spans two tensors) over one concatenated buffer; workgroup c sums chunk c: each invocation squares its
// strided floats exactly in double (a float product fits a double's mantissa) and adds them in order, then
// workgroupSumD combines the invocations. The host adds the chunk partials of each tensor in chunk order, so the
// result has the same bits run after run and differs from the CPU only by the order of double additions.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Values { float values[]; };
layout(std430, set = 0, binding = 1) readonly buffer Chunks { uvec2 chunks[]; }; // (start, length)
layout(std430, set = 0, binding = 2) writeonly buffer Partials { double partials[]; };

layout(push_constant) uniform Push
{
    uint chunkCount;
} pc;

#include "reduce_double.glsl"

void main()
{
    uint c = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (c >= pc.chunkCount)
    {
        return; // whole workgroup: uniform
    }

    uvec2 chunk = chunks[c];
    double s = 0.0LF;
    for (uint k = gl_LocalInvocationIndex; k < chunk.y; k += WG)
    {
        double x = double(values[chunk.x + k]);
        s += x * x;
    }

    double total = workgroupSumD(s);
    if (gl_LocalInvocationIndex == 0)
    {
        partials[c] = total;
    }
}
