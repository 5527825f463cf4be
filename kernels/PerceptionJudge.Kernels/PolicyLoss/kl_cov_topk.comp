#version 450
#extension GL_GOOGLE_include_directive : require
// verl v0.6.0 compute_policy_loss_kl_cov, the batch-wide top-k (see CovLosses.TopCovariance): among the valid tokens
// (m > 0), select the k = pc.take with the largest cov = (A − mean A)(log_prob − mean log_prob), ties broken by the
// lower flat index; selected[i] = 1 for those, else 0. One workgroup, a radix select on order-preserving 32-bit keys
// (float bits with the sign flipped; −0 is read as +0 so equal covs tie as in the float comparison): four 8-bit
// digit passes, each a shared-memory histogram of the keys that match the digits found so far (integer counts: exact
// and order-free), find the k-th largest key T and how many r of the keys equal to T are taken. Then each
// invocation counts the keys equal to T in its contiguous index range, an exclusive scan in invocation order ranks
// them, and the r lowest-index ones are selected with every key above T. Same input, same selection.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Lp { float logProb[]; };
layout(std430, set = 0, binding = 1) readonly buffer Adv { float advantages[]; };
layout(std430, set = 0, binding = 2) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 3) readonly buffer Means { float means[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Selected { uint selected[]; };

layout(push_constant) uniform Push
{
    uint n;
    uint take; // 1 ≤ take ≤ number of valid tokens
} pc;

shared uint histogram[256];
shared uint digit;
shared uint remaining;
shared uint ranks[WG];

uint covKey(uint k)
{
    float cov = (advantages[k] - means[0]) * (logProb[k] - means[1]);
    uint bits = cov == 0.0 ? 0u : floatBitsToUint(cov);
    return (bits & 0x80000000u) != 0u ? ~bits : bits | 0x80000000u;
}

void main()
{
    uint me = gl_LocalInvocationIndex;
    if (me == 0u)
    {
        remaining = pc.take;
    }

    uint prefix = 0u, prefixMask = 0u;
    for (int shift = 24; shift >= 0; shift -= 8)
    {
        histogram[me] = 0u;
        barrier();
        for (uint k = me; k < pc.n; k += WG)
        {
            if (mask[k] > 0.0)
            {
                uint key = covKey(k);
                if ((key & prefixMask) == prefix)
                {
                    atomicAdd(histogram[(key >> uint(shift)) & 255u], 1u);
                }
            }
        }
        barrier();
        if (me == 0u)
        {
            // From the largest digit down: the digit where the running count reaches the keys still wanted.
            uint above = 0u, b = 255u;
            for (;; --b)
            {
                if (above + histogram[b] >= remaining || b == 0u)
                {
                    break;
                }
                above += histogram[b];
            }
            digit = b;
            remaining -= above;
        }
        barrier();
        prefix |= digit << uint(shift);
        prefixMask |= 255u << uint(shift);
        barrier();
    }

    // T = prefix; take the `remaining` lowest-index keys equal to T.
    uint chunk = (pc.n + WG - 1u) / WG;
    uint begin = min(pc.n, me * chunk), end = min(pc.n, begin + chunk);
    uint equal = 0u;
    for (uint k = begin; k < end; ++k)
    {
        equal += mask[k] > 0.0 && covKey(k) == prefix ? 1u : 0u;
    }
    ranks[me] = equal;
    barrier();
    if (me == 0u)
    {
        uint running = 0u;
        for (uint i = 0u; i < WG; ++i)
        {
            uint c = ranks[i];
            ranks[i] = running;
            running += c;
        }
    }
    barrier();

    uint rank = ranks[me];
    for (uint k = begin; k < end; ++k)
    {
        bool take = false;
        if (mask[k] > 0.0)
        {
            uint key = covKey(k);
            if (key > prefix)
            {
                take = true;
            }
            else if (key == prefix)
            {
                take = rank < remaining;
                rank++;
            }
        }
        selected[k] = take ? 1u : 0u;
    }
}
