using System.Runtime.Intrinsics.X86;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// GRPO on verl's usual batch: outcome rewards (one score per row, cols = 1) in equal groups of <c>k</c> consecutive
/// rows. One fused pass reads each score and mask once and writes both outputs, with the NaN/Inf check folded in:
/// per group <c>mean = Σs/k</c>, <c>std = √(Σ(s − mean)²/(k − 1))</c>, <c>a = (s − mean)/(std + ε) · m</c>
/// (<c>s − mean</c> for Dr.GRPO; k = 1 gives mean 0, std 1).
/// With AVX2, eight groups run at once: gathers at stride k give one lane per group for the two-pass statistics
/// (double, like the reference), then the rows are streamed in vectors of eight and each lane picks its group's
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
        /// at a time, so a constant group gives exactly <c>s − mean = 0</c> as in the reference.</summary>
        private Vector256<float> Block8(long o, Vector128<int> lanes)
        {
            var (meanLo, scaleLo, sumLo) = Stats4(s + o, lanes);
            var (meanHi, scaleHi, sumHi) = Stats4(s + o + 4 * k, lanes);
            var mean = Vector256.Create(meanLo, meanHi);
            var scale = Vector256.Create(scaleLo, scaleHi);
            var check = Vector256.Create(sumLo, sumHi) * Vector256<float>.Zero;
            for (int t = 0; t < k; t++)
            {
                var pick = Vector256.Load(picks + 8 * t);
                long at = o + 8 * t;
                var mask = Vector256.Load(m + at);
                var v = (Vector256.Load(s + at) - Avx2.PermuteVar8x32(mean, pick))
                    * Avx2.PermuteVar8x32(scale, pick) * mask;
                v.Store(a + at);
                v.Store(r + at);
                check += mask * Vector256<float>.Zero;
            }

            return check;
        }

        /// <summary>Mean and 1/(std + ε) (or 1) of four groups whose first rows are <paramref name="p"/> + lanes.</summary>
        private (Vector128<float> Mean, Vector128<float> Scale, Vector128<float> Sum) Stats4(float* p, Vector128<int> lanes)
        {
            var sum = Vector256<double>.Zero;
            for (int j = 0; j < k; j++)
            {
                sum += Avx.ConvertToVector256Double(Avx2.GatherVector128(p + j, lanes, 4));
            }

            var mean = sum / Vector256.Create((double)k);
            var scale = Vector256<double>.One;
            if (norm)
            {
                var m2 = Vector256<double>.Zero;
                for (int j = 0; j < k; j++)
                {
                    var d = Avx.ConvertToVector256Double(Avx2.GatherVector128(p + j, lanes, 4)) - mean;
                    m2 += d * d;
                }

                var std = Vector256.Sqrt(m2 / Vector256.Create((double)(k - 1)));
                scale = Vector256<double>.One / (std + Vector256.Create((double)eps));
            }

            return (Avx.ConvertToVector128Single(mean), Avx.ConvertToVector128Single(scale),
                Avx.ConvertToVector128Single(sum));
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
