#version 450
// PEFT LoraLayer merge / unmerge / get_delta_weight (see LoraReference): W[o][i] ← (accumulate ? W[o][i] : 0)
// + scale · Σ_k B[o][k]·A[k][i], W [out][in], A [r][in], B [out][r] row-major; unmerge is scale → −scale.
// A tiled matmul: workgroup (tx, ty) owns the T×T tile of W at rows ty·T.., columns tx·T..; for each block of T
// ranks it stages B[rows][block] and A[block][cols] in shared memory, and every invocation adds its element's
// products in k order (float), so results repeat bit for bit. The write is fma(scale, acc, w) as on the CPU.
#define T 16
layout(local_size_x = T, local_size_y = T) in;

layout(std430, set = 0, binding = 0) buffer Weight { float weight[]; };
layout(std430, set = 0, binding = 1) readonly buffer LoraA { float loraA[]; };
layout(std430, set = 0, binding = 2) readonly buffer LoraB { float loraB[]; };

layout(push_constant) uniform Push
{
    uint outF;
    uint inF;
    uint rank;
    float scale;
    uint accumulate; // 1: W += scale·B·A; 0: W = scale·B·A
    uint tilesX;     // column tiles (workgroups are numbered x + y·countX over tilesX × tilesY)
} pc;

shared float tileB[T][T + 1]; // [row][k], padded against bank conflicts
shared float tileA[T][T + 1]; // [k][column]

void main()
{
    uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    uint tileRow = wg / pc.tilesX;
    uint tileCol = wg % pc.tilesX;
    uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    uint o = tileRow * T + ly;
    uint i = tileCol * T + lx;
    float acc = 0.0;
    // Every invocation of the workgroup runs the same k loop (uniform barriers), even past the matrix edge.
    for (uint k0 = 0; k0 < pc.rank; k0 += T)
    {
        uint kb = k0 + lx;
        tileB[ly][lx] = o < pc.outF && kb < pc.rank ? loraB[o * pc.rank + kb] : 0.0;
        uint ka = k0 + ly;
        tileA[ly][lx] = ka < pc.rank && i < pc.inF ? loraA[ka * pc.inF + i] : 0.0;
        barrier();
        uint kn = min(uint(T), pc.rank - k0);
        for (uint k = 0; k < kn; ++k)
        {
            acc = fma(tileB[ly][k], tileA[k][lx], acc);
        }
        barrier();
    }

    if (o < pc.outF && i < pc.inF)
    {
        uint w = o * pc.inF + i;
        weight[w] = pc.accumulate != 0u ? fma(pc.scale, acc, weight[w]) : pc.scale * acc;
    }
}
