using System.Runtime.Intrinsics;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The specification of the patch search: every valid centre of the window in row order, each scored by
/// <see cref="ExemplarProblem.Ssd"/> and kept when <see cref="ExemplarProblem.Better"/>.
/// </summary>
internal readonly struct ScalarPatchSearch : IPatchSearch
{
    public int Find(ExemplarProblem p)
    {
        var (best, bestSsd, bestKey) = (-1, float.PositiveInfinity, ulong.MaxValue);
        var win = p.Window;
        for (int y = win.Y; y < win.Bottom; y++)
        {
            for (int x = win.X; x < win.Right; x++)
            {
                int i = y * p.Shape.Width + x;
                if (p.Valid[i])
                {
                    float ssd = p.Ssd(i);
                    ulong key = HashRng.Mix(p.Seed, (ulong)i);
                    if (best < 0 || ExemplarProblem.Better(ssd, key, i, bestSsd, bestKey, best))
                    {
                        (best, bestSsd, bestKey) = (i, ssd, key);
                    }
                }
            }
        }

        return best;
    }
}

/// <summary>
/// The CPU search: window rows in parallel (<see cref="RowRunner"/>), eight neighbouring centres at a time in a
/// Vector256 (the eight source pixels of one offset are contiguous), the scalar <see cref="ExemplarProblem.Ssd"/>
/// for the tail. Each lane adds the same float terms in the same order as the scalar SSD (subtract, square, add;
/// no fused multiply-add), so the scores, and with the total order of <see cref="ExemplarProblem.Better"/> the
/// chosen source, equal the reference bit for bit on any thread count.
/// </summary>
internal sealed class SimdPatchSearch : IPatchSearch
{
    private int[] _index = [];
    private float[] _ssd = [];
    private ulong[] _key = [];

    public int Find(ExemplarProblem p)
    {
        var win = p.Window;
        if (_index.Length < win.Height)
        {
            (_index, _ssd, _key) = (new int[win.Height], new float[win.Height], new ulong[win.Height]);
        }

        RowRunner.For(win.Height, (long)win.Width * p.Count * 3, new SearchRows(p, _index, _ssd, _key));
        var (best, bestSsd, bestKey) = (-1, float.PositiveInfinity, ulong.MaxValue);
        for (int row = 0; row < win.Height; row++)
        {
            int i = _index[row];
            if (i >= 0 && (best < 0 || ExemplarProblem.Better(_ssd[row], _key[row], i, bestSsd, bestKey, best)))
            {
                (best, bestSsd, bestKey) = (i, _ssd[row], _key[row]);
            }
        }

        return best;
    }

    private readonly unsafe struct SearchRows(ExemplarProblem p, int[] index, float[] ssdOut, ulong[] keyOut)
        : IRowOperation
    {
        public void Invoke(int row)
        {
            var q = p;
            var win = q.Window;
            int w = q.Shape.Width, y = win.Y + row, x = win.X, best = -1;
            var (bestSsd, bestKey) = (float.PositiveInfinity, ulong.MaxValue);
            void Consider(int i, float ssd)
            {
                ulong key = HashRng.Mix(q.Seed, (ulong)i);
                if (best < 0 || ExemplarProblem.Better(ssd, key, i, bestSsd, bestKey, best))
                {
                    (best, bestSsd, bestKey) = (i, ssd, key);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                Span<float> lanes = stackalloc float[8];
                for (; x <= win.Right - 8; x += 8)
                {
                    int i0 = y * w + x;
                    if (!p.Valid.AsSpan(i0, 8).Contains(true))
                    {
                        continue;
                    }

                    Ssd8(i0).CopyTo(lanes);
                    for (int l = 0; l < 8; l++)
                    {
                        if (p.Valid[i0 + l])
                        {
                            Consider(i0 + l, lanes[l]);
                        }
                    }
                }
            }

            for (; x < win.Right; x++)
            {
                if (p.Valid[y * w + x])
                {
                    Consider(y * w + x, p.Ssd(y * w + x));
                }
            }

            (index[row], ssdOut[row], keyOut[row]) = (best, bestSsd, bestKey);
        }

        /// <summary>The SSDs of centres i0 … i0+7, term by term as <see cref="ExemplarProblem.Ssd"/>.</summary>
        private Vector256<float> Ssd8(int i0)
        {
            int cc = p.Shape.ColourChannels, plane = p.Shape.Plane, n = p.Count;
            var acc = Vector256<float>.Zero;
            for (int k = 0; k < n; k++)
            {
                for (int c = 0; c < cc; c++)
                {
                    var d = Vector256.Load(p.Image + c * plane + i0 + p.Offsets[k])
                        - Vector256.Create(p.Values[c * n + k]);
                    acc += d * d;
                }
            }

            return acc;
        }
    }
}
