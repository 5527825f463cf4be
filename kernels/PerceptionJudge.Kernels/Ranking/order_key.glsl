// Exact comparison of doubles passed as 64-bit order keys (RankingVulkan.OrderKeys: unsigned order = value order,
// −0 folded into +0), so no shaderFloat64 is needed. A key is (x = hi word, y = lo word).

// sign(a − b) of two keys compared as unsigned 64-bit integers.
int compareKeys(uvec2 a, uvec2 b)
{
    if (a.x != b.x)
    {
        return a.x > b.x ? 1 : -1;
    }
    return a.y == b.y ? 0 : (a.y > b.y ? 1 : -1);
}
