using System.Runtime.Intrinsics.X86;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// GRPO on verl's usual batch: outcome rewards (one score per row, cols = 1) in equal groups of <c>k</c> consecutive
/// rows. One fused pass reads each score and mask once and writes both outputs, with the NaN/Inf check folded in:
/// per group <c>mean = Σs/k</c>, <c>std = √(Σ(s − mean)²/(k − 1))</c>, <c>a = (s − mean)/(std + ε) · m</c>
/// (<c>s − mean</c> for Dr.GRPO; k = 1 gives mean 0, std 1).
/// With AVX2, eight groups run at once: gathers at stride k give one lane per group for one-pass shifted moments
/// (double), then the rows are streamed in vectors of eight and each lane picks its group's
/// mean and scale with one permute.
/// </summary>
internal static unsafe class CpuOutcome
{
    private const int MaxVectorGroup = 64;

    /// <summary>Runs the fused pass; false when an input was not finite (the caller then names the row).</summary>
    public static bool Grpo(
        in AdvantageInput input, int size, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        int groups = input.Rows / size;
        int chunk = Math.Max(8, CpuChunks.ChunkElements / size / 8 * 8);
        var finite = new bool[Partition.ChunkCount(groups, chunk)];
        var picks = new int[8 * size]; // row 8t + lane of a block belongs to the block's group (8t + lane) / k
        for (int i = 0; i < picks.Length; i++)
        {
            picks[i] = i / size;
        }

        fixed (float* s = input.TokenLevelRewards, m = input.ResponseMask, a = advantages, r = returns)
        fixed (int* p = picks)
        {
            var job = new Job(s, m, a, r, p, size, options.NormAdvByStd, options.Epsilon);
            if (groups * (long)size < Partition.SerialThreshold)
            {
                for (int c = 0; c < finite.Length; c++)
                {
                    finite[c] = job.Run(c * chunk, Math.Min(groups, (c + 1) * chunk));
                }
            }
            else
            {
                Parallel.For(0, finite.Length, c => finite[c] = job.Run(c * chunk, Math.Min(groups, (c + 1) * chunk)));
            }
        }

        return Array.IndexOf(finite, false) < 0;
    }

    /// <summary>Four groups' mean as float head + tail, scale, and a NaN/Inf probe (0 when finite).</summary>
    private readonly record struct Stats(
        Vector128<float> Head, Vector128<float> Tail, Vector128<float> Scale, Vector128<float> Check);

    private readonly struct Job(float* s, float* m, float* a, float* r, int* picks, int k, bool norm, float eps)
    {
        public bool Run(int g0, int g1)
        {
            int g = g0;
            var check = Vector256<float>.Zero; // x·0 stays 0 unless x is NaN/Inf
            if (Avx2.IsSupported && k is > 1 and <= MaxVectorGroup)
            {
                var lanes = Vector128.Create(0, k, 2 * k, 3 * k);
                for (; g + 8 <= g1; g += 8)
                {
                    check += Block8((long)g * k, lanes);
                }
            }

            float tail = Scalar(g, g1);
            return float.IsFinite(Vector256.Sum(check) + tail);
        }

        /// <summary>Eight consecutive groups starting at row <paramref name="o"/>: statistics in double, four lanes
        /// at a time. The mean reaches the float pass as head + tail (<c>s − head</c> is exact for s near the mean),
        /// so a constant group gives exactly 0 and a large offset loses no precision.</summary>
        private Vector256<float> Block8(long o, Vector128<int> lanes)
        {
            var lo = Stats4(s + o, lanes);
            var hi = Stats4(s + o + 4 * k, lanes);
            var head = Vector256.Create(lo.Head, hi.Head);
            var tail = Vector256.Create(lo.Tail, hi.Tail);
            var scale = Vector256.Create(lo.Scale, hi.Scale);
            var check = Vector256.Create(lo.Check, hi.Check);
            for (int t = 0; t < k; t++)
            {
                var pick = Vector256.Load(picks + 8 * t);
                long at = o + 8 * t;
                var mask = Vector256.Load(m + at);
                var centred = Vector256.Load(s + at) - Avx2.PermuteVar8x32(head, pick)
                    - Avx2.PermuteVar8x32(tail, pick);
                var v = centred * Avx2.PermuteVar8x32(scale, pick) * mask;
                v.Store(a + at);
                v.Store(r + at);
                check += mask * Vector256<float>.Zero;
            }

            return check;
        }

        /// <summary>
        /// Mean and 1/(std + ε) (or 1) of four groups whose first rows are <paramref name="p"/> + lanes, in one
        /// gather pass: moments of <c>d = s − s₀</c> (shifted by each group's first score, so no cancellation),
        /// <c>mean = s₀ + Σd/k</c>, <c>var = (Σd² − (Σd)²/k)/(k − 1)</c>, in double.
        /// </summary>
        private Stats Stats4(float* p, Vector128<int> lanes)
        {
            var first = Avx.ConvertToVector256Double(Avx2.GatherVector128(p, lanes, 4));
            Vector256<double> sum = Vector256<double>.Zero, sumSq = Vector256<double>.Zero;
            for (int j = 1; j < k; j++)
            {
                var d = Avx.ConvertToVector256Double(Avx2.GatherVector128(p + j, lanes, 4)) - first;
                sum += d;
                sumSq += d * d;
            }

            var invK = Vector256.Create(1.0 / k);
            var mean = first + sum * invK;
            var scale = Vector256<double>.One;
            if (norm)
            {
                var variance = Vector256.Max(sumSq - sum * sum * invK, Vector256<double>.Zero)
                    * Vector256.Create(1.0 / (k - 1));
                scale = Vector256<double>.One / (Vector256.Sqrt(variance) + Vector256.Create((double)eps));
            }

            var head = Avx.ConvertToVector128Single(mean);
            var tail = Avx.ConvertToVector128Single(mean - Avx.ConvertToVector256Double(head));
            var check = Avx.ConvertToVector128Single((first + sum) * Vector256<double>.Zero);
            return new Stats(head, tail, Avx.ConvertToVector128Single(scale), check);
        }

        /// <summary>Groups <paramref name="g0"/>..<paramref name="g1"/> one at a time (the tail, and k = 1 or k > 64).</summary>
        private float Scalar(int g0, int g1)
        {
            float check = 0;
            for (int g = g0; g < g1; g++)
            {
                long o = (long)g * k;
                double sum = 0;
                for (int j = 0; j < k; j++)
                {
                    sum += s[o + j];
                    check += m[o + j] * 0f;
                }

                double mean = 0, scale = norm ? 1 / (1 + (double)eps) : 1;
                if (k > 1)
                {
                    mean = sum / k;
                    double m2 = 0;
                    for (int j = 0; j < k; j++)
                    {
                        double d = s[o + j] - mean;
                        m2 += d * d;
                    }

                    scale = norm ? 1 / (Math.Sqrt(m2 / (k - 1)) + eps) : 1;
                }

                for (int j = 0; j < k; j++)
                {
                    float v = (float)((s[o + j] - mean) * scale) * m[o + j];
                    a[o + j] = v;
                    r[o + j] = v;
                }

                check += (float)(sum * 0);
            }

            return check;
        }
    }
}
