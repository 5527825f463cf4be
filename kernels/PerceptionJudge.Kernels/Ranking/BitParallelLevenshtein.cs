using System.Buffers;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// Bit-parallel Levenshtein distance: Myers (1999), "A fast bit-vector algorithm for approximate string matching
/// based on dynamic programming", in Hyyrö's (2001/2003) edit-distance form. One bit per pattern character holds the
/// vertical delta (VP = +1, VN = −1) of a DP column; one text character advances the whole column in O(⌈m/64⌉) word
/// operations. The row-0 boundary D[0][j] = j means a +1 horizontal delta enters bit 0 of every column.
/// The shorter string is the pattern; a pattern of ≤ 64 chars uses one word, longer ones blocks of 64 whose
/// horizontal deltas carry from block to block.
/// </summary>
internal static class BitParallelLevenshtein
{
    private const int AsciiTable = 128;

    public static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        // The edit distance is unchanged by stripping a common prefix and suffix.
        int prefix = a.CommonPrefixLength(b);
        a = a[prefix..];
        b = b[prefix..];
        int suffix = CommonSuffixLength(a, b);
        a = a[..^suffix];
        b = b[..^suffix];
        if (a.Length > b.Length)
        {
            var t = a;
            a = b;
            b = t;
        }

        if (a.IsEmpty)
        {
            return b.Length;
        }

        return a.Length <= 64 ? SingleWord(a, b) : Blocked(a, b);
    }

    private static int CommonSuffixLength(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int i = a.Length, j = b.Length;
        while (i > 0 && j > 0 && a[i - 1] == b[j - 1])
        {
            i--;
            j--;
        }

        return a.Length - i;
    }

    /// <summary>Match mask of text char <paramref name="c"/> against pattern chars [start, start + 64).</summary>
    private static ulong ScanMask(ReadOnlySpan<char> pattern, int start, char c)
    {
        ulong mask = 0;
        int end = Math.Min(pattern.Length, start + 64);
        for (int i = start; i < end; i++)
        {
            mask |= pattern[i] == c ? 1UL << (i - start) : 0;
        }

        return mask;
    }

    private static int SingleWord(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        Span<ulong> peq = stackalloc ulong[AsciiTable];
        bool nonAscii = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c < AsciiTable)
            {
                peq[c] |= 1UL << i;
            }
            else
            {
                nonAscii = true;
            }
        }

        ulong vp = ulong.MaxValue, vn = 0;
        ulong last = 1UL << (pattern.Length - 1);
        int distance = pattern.Length;
        foreach (char c in text)
        {
            ulong x = c < AsciiTable ? peq[c] : nonAscii ? ScanMask(pattern, 0, c) : 0;
            ulong d0 = (((x & vp) + vp) ^ vp) | x | vn;
            ulong hp = vn | ~(d0 | vp);
            ulong hn = d0 & vp;
            distance += (hp & last) != 0 ? 1 : 0;
            distance -= (hn & last) != 0 ? 1 : 0;
            hp = (hp << 1) | 1;
            hn <<= 1;
            vp = hn | ~(d0 | hp);
            vn = hp & d0;
        }

        return distance;
    }

    private static int Blocked(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int words = (pattern.Length + 63) / 64;
        int tableLength = AsciiTable * words;
        ulong[]? rented = null;
        Span<ulong> peq = tableLength <= 2048
            ? stackalloc ulong[tableLength]
            : (rented = ArrayPool<ulong>.Shared.Rent(tableLength)).AsSpan(0, tableLength);
        Span<ulong> state = words <= 64 ? stackalloc ulong[2 * words] : new ulong[2 * words];
        peq.Clear();
        bool nonAscii = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c < AsciiTable)
            {
                peq[c * words + (i >> 6)] |= 1UL << (i & 63);
            }
            else
            {
                nonAscii = true;
            }
        }

        var vpv = state[..words];
        var vnv = state[words..];
        vpv.Fill(ulong.MaxValue);
        vnv.Clear();
        ulong last = 1UL << ((pattern.Length - 1) & 63);
        int distance = pattern.Length;
        foreach (char c in text)
        {
            ulong hpCarry = 1, hnCarry = 0; // row 0: D[0][j] − D[0][j−1] = +1
            for (int w = 0; w < words; w++)
            {
                ulong eq = c < AsciiTable ? peq[c * words + w] : nonAscii ? ScanMask(pattern, w * 64, c) : 0;
                ulong vp = vpv[w], vn = vnv[w];
                ulong x = eq | hnCarry;
                ulong d0 = (((x & vp) + vp) ^ vp) | x | vn;
                ulong hp = vn | ~(d0 | vp);
                ulong hn = d0 & vp;
                ulong hpIn = hpCarry, hnIn = hnCarry;
                ulong top = w == words - 1 ? last : 1UL << 63;
                hpCarry = (hp & top) != 0 ? 1UL : 0;
                hnCarry = (hn & top) != 0 ? 1UL : 0;
                hp = (hp << 1) | hpIn;
                hn = (hn << 1) | hnIn;
                vpv[w] = hn | ~(d0 | hp);
                vnv[w] = hp & d0;
            }

            distance += (int)hpCarry - (int)hnCarry;
        }

        if (rented != null)
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }

        return distance;
    }
}
