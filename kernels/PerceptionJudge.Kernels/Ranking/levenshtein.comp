#version 450
// Levenshtein distance of two int sequences (see RankingReference.Levenshtein: D[i][j] = min(D[i−1][j] + 1,
// D[i][j−1] + 1, D[i−1][j−1] + [a_i ≠ b_j]), D[i][0] = i, D[0][j] = j) by one workgroup sweeping the anti-diagonals
// k = i + j in order: the cells of a diagonal depend only on the two before it, so its invocations fill them in
// parallel (i strided), with a barrier between diagonals. Three diagonals live in a scratch buffer indexed by i
// (slot k mod 3). Integer DP: the result is exact.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer A { int a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { int b[]; };
layout(std430, set = 0, binding = 2) coherent buffer Diagonals { int diag[]; }; // [3][la + 1]
layout(std430, set = 0, binding = 3) writeonly buffer Distance { int distance[]; };

layout(push_constant) uniform Push
{
    uint la;
    uint lb;
} pc;

void main()
{
    uint stride = pc.la + 1;
    for (uint k = 0; k <= pc.la + pc.lb; ++k)
    {
        uint cur = (k % 3) * stride, prev = ((k + 2) % 3) * stride, prev2 = ((k + 1) % 3) * stride;
        uint lo = k > pc.lb ? k - pc.lb : 0u;
        uint hi = min(k, pc.la);
        for (uint i = lo + gl_LocalInvocationIndex; i <= hi; i += WG)
        {
            uint j = k - i;
            int d;
            if (i == 0u)
            {
                d = int(j);
            }
            else if (j == 0u)
            {
                d = int(i);
            }
            else
            {
                int up = diag[prev + i - 1] + 1;    // D[i−1][j]
                int left = diag[prev + i] + 1;      // D[i][j−1]
                int sub = diag[prev2 + i - 1] + (a[i - 1] == b[j - 1] ? 0 : 1); // D[i−1][j−1]
                d = min(min(up, left), sub);
            }
            diag[cur + i] = d;
        }
        memoryBarrierBuffer();
        barrier();
    }

    if (gl_LocalInvocationIndex == 0)
    {
        distance[0] = diag[((pc.la + pc.lb) % 3) * stride + pc.la];
    }
}
