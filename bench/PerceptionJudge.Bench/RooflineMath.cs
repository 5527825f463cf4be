using System.Globalization;
using System.Text;

namespace PerceptionJudge.Bench;

/// <summary>
/// The byte models and arithmetic of the Vulkan roofline (<see cref="VulkanRoofline"/>), kept apart from the timing
/// so they can be tested. Each model counts the compulsory bytes: every array the math must read, read once, and
/// every array it must write, written once (no write-allocate, no second pass, no scratch). That is the STREAM
/// convention the triad roof follows (12 B per element), so "% of triad" is comparable across rows; a kernel that
/// re-reads an array, or an in-place kernel (no write-allocate where the triad pays one), can show above 100%.
/// </summary>
public static class RooflineMath
{
    /// <summary>Triad a = b + s·c: read b, c, write a: 12 B per element.</summary>
    public static long TriadBytes(long n) => 12 * n;

    /// <summary>GRPO outcome advantages, cols = 1: read rewards, mask, CSR members (4 B each) and the group offsets,
    /// write advantages and returns: 20 B per row + 4 B per group boundary.</summary>
    public static long GrpoBytes(long rows, long groups) => 20 * rows + 4 * (groups + 1);

    /// <summary>Policy loss with d/dlogp, row shader: read old_log_prob, log_prob, advantages, response_mask, write
    /// the gradient: 20 B per token + 5 row sums (the host's finish is not counted).</summary>
    public static long PolicyLossBytes(long tokens, long rows) => 20 * tokens + 20 * rows;

    /// <summary>KL estimator with its gradient: read logprob, ref_logprob, write kl and d kl/d logp: 16 B per
    /// element.</summary>
    public static long KlBytes(long n) => 16 * n;

    /// <summary>agg_loss with its gradient: read loss_mat and loss_mask, write the gradient: 12 B per element (the
    /// row sums and the scalar are negligible; the shaders read the mask twice, which is not compulsory).</summary>
    public static long LossAggBytes(long n) => 12 * n;

    /// <summary>Fused AdamW: read p, g, m, v, write p, m, v: 28 B per parameter.</summary>
    public static long AdamWBytes(long parameters) => 28 * parameters;

    /// <summary>LoRA merge W += s·B·A: read and write W, read A [r][in] and B [out][r].</summary>
    public static long LoraBytes(long outFeatures, long inFeatures, long rank) =>
        4 * (2 * outFeatures * inFeatures + rank * (inFeatures + outFeatures));

    /// <summary>LoRA merge flops: a multiply-add per (i, j, k) of B·A, 2·out·in·r (the scale's fma not counted).
    /// </summary>
    public static double LoraFlops(long outFeatures, long inFeatures, long rank) =>
        2.0 * outFeatures * inFeatures * rank;

    /// <summary>Entropy and chosen log-prob from logits: read the logits once and the labels, write two floats per
    /// token.</summary>
    public static long LogProbForwardBytes(long tokens, long vocab) => 4 * tokens * vocab + 12 * tokens;

    /// <summary>The backward: read the logits once, the labels and the two upstream gradients, write d logits.
    /// </summary>
    public static long LogProbBackwardBytes(long tokens, long vocab) => 8 * tokens * vocab + 12 * tokens;

    /// <summary>Batch-ranking reward, device part (the parse is on the host): read predicted and truth rankings
    /// (4 B per place each), write one count per row.</summary>
    public static long PermutationBytes(long rows, int n) => rows * (8L * n + 4);

    /// <summary>Kendall τ-b pair counts: read the two 64-bit order keys per value; the work is n(n−1)/2 pairs.
    /// </summary>
    public static long KendallBytes(long n) => 16 * n;

    /// <summary>Levenshtein: read the two int-widened strings; the work is |a|·|b| cells.</summary>
    public static long LevenshteinBytes(long lengthA, long lengthB) => 4 * (lengthA + lengthB);

    /// <summary>The fused pointwise perturbation chain, in place: read and write each value once, 8 B per value.
    /// </summary>
    public static long PointwiseBytes(long values) => 8 * values;

    /// <summary>Bytes per nanosecond is GB/s (10⁹ B/s).</summary>
    public static double GigabytesPerSecond(long bytes, double nanoseconds) => bytes / nanoseconds;

    /// <summary>The middle value (the upper one of an even count), as the other Vulkan benchmarks report.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>max |actual − expected| over max |expected| (the absolute difference when expected is all zero).
    /// </summary>
    public static double RelativeDifference(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected) =>
        RelativeDifference(actual, expected, null);

    /// <summary>
    /// <see cref="RelativeDifference(ReadOnlySpan{float}, ReadOnlySpan{float})"/> over the positions
    /// <paramref name="skip"/> does not mark (null: all): a clipped gradient is discontinuous at the clip bounds, so a
    /// token whose ratio lies within rounding of a bound may take the other branch on another device's exp.
    /// </summary>
    public static double RelativeDifference(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, bool[]? skip)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException($"{actual.Length} values against {expected.Length}", nameof(actual));
        }

        double diff = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (skip is not null && skip[i])
            {
                continue;
            }

            diff = Math.Max(diff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
            if (double.IsNaN(actual[i]) != double.IsNaN(expected[i]))
            {
                return double.PositiveInfinity;
            }
        }

        return scale > 0 ? diff / scale : diff;
    }

    /// <summary>The markdown header of <see cref="FormatRow"/>'s rows.</summary>
    public static string Header =>
        "| kernel | size | bytes (model) | Vulkan GPU, one call | GB/s | GPU back to back, per call | GB/s | "
        + "% of Vulkan triad | rate | CPU median | CPU ÷ GPU | Vulkan whole call vs CPU |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|";

    /// <summary>
    /// One markdown row; <paramref name="roofGbps"/> is the in-run Vulkan triad's GB/s (back to back where measured).
    /// The percentage, rate and CPU ratio use the back-to-back time where there is one, else the one-call time. NaN
    /// times print as a dash.
    /// </summary>
    public static string FormatRow(RooflineRow row, double roofGbps)
    {
        double gbps = GigabytesPerSecond(row.Bytes, row.GpuNs);
        double steadyNs = double.IsFinite(row.BackToBackNs) ? row.BackToBackNs : row.GpuNs;
        double steady = GigabytesPerSecond(row.Bytes, steadyNs);
        string rate = row.Work > 0 && steadyNs > 0 ? $"{row.Work / steadyNs:0.###} {row.WorkUnit}" : "";
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"| {row.Kernel} | {row.Size} | {Megabytes(row.Bytes)} ({row.Model}) ");
        sb.Append(CultureInfo.InvariantCulture, $"| {Time(row.GpuNs)} | {Number(gbps)} | ");
        sb.Append(CultureInfo.InvariantCulture,
            $"{Time(row.BackToBackNs)} | {Number(GigabytesPerSecond(row.Bytes, row.BackToBackNs))} | ");
        sb.Append(double.IsFinite(steady) && roofGbps > 0 ? $"{100 * steady / roofGbps:0}%" : "–");
        sb.Append(CultureInfo.InvariantCulture, $" | {rate} | {Time(row.CpuNs)} | ");
        sb.Append(double.IsFinite(row.CpuNs / steadyNs) ? $"{Number(row.CpuNs / steadyNs)}×" : "–");
        sb.Append(CultureInfo.InvariantCulture, $" | {row.Check} |");
        return sb.ToString();
    }

    /// <summary>A time in ns as µs or ms with three significant digits; NaN as a dash.</summary>
    public static string Time(double nanoseconds) => nanoseconds switch
    {
        double.NaN => "–",
        >= 1e6 => $"{nanoseconds / 1e6:0.00} ms",
        >= 1e3 => $"{nanoseconds / 1e3:0.0} µs",
        _ => $"{nanoseconds:0} ns",
    };

    private static string Number(double value) => double.IsFinite(value) ? value.ToString(
        value >= 100 ? "0" : value >= 10 ? "0.0" : value >= 0.1 ? "0.00" : "0.000", CultureInfo.InvariantCulture)
        : "–";

    private static string Megabytes(long bytes) => bytes >= 1_000_000
        ? $"{bytes / 1e6:0.#} MB"
        : $"{bytes / 1e3:0.#} kB";

    /// <summary>
    /// Tokens whose PPO ratio exp(logp − old) lies within <paramref name="tolerance"/> (relative) of a clip bound
    /// (1 − ε_low, 1 + ε_high, or the dual-clip c where the advantage is negative): there the gradient jumps, and
    /// float exp implementations that differ by a few ulps pick different sides.
    /// </summary>
    public static bool[] NearClipBounds(ReadOnlySpan<float> old, ReadOnlySpan<float> logProb,
        ReadOnlySpan<float> advantages, double lower, double upper, double clipC, double tolerance = 1e-6)
    {
        var near = new bool[old.Length];
        for (int i = 0; i < near.Length; i++)
        {
            double ratio = Math.Exp((double)logProb[i] - old[i]);
            bool Close(double bound) => Math.Abs(ratio - bound) <= tolerance * bound;
            near[i] = Close(lower) || Close(upper) || (advantages[i] < 0 && Close(clipC));
        }

        return near;
    }

}

/// <summary>One measured kernel of the roofline table.</summary>
/// <param name="Kernel">What ran.</param>
/// <param name="Size">Its operand shape.</param>
/// <param name="Model">The byte model in words (per element, row or parameter).</param>
/// <param name="Bytes">Compulsory bytes per call (<see cref="RooflineMath"/>).</param>
/// <param name="GpuNs">Median GPU time per call (timestamps, summed over the call's dispatches).</param>
/// <param name="CpuNs">Median wall time of the Cpu backend on the same inputs.</param>
/// <param name="Work">Work items per call for the rate column (flops, pairs, cells), 0 for none.</param>
/// <param name="WorkUnit">The rate's unit per ns (for example "GFLOP/s" for flops).</param>
/// <param name="Check">The whole Vulkan call against the Cpu backend, or why it is missing.</param>
/// <param name="BackToBackNs">Median GPU time per call when the calls run back to back in one submission (the clocks
/// stay up between them), NaN where not measured.</param>
public sealed record RooflineRow(
    string Kernel, string Size, string Model, long Bytes, double GpuNs, double CpuNs, double Work, string WorkUnit,
    string Check, double BackToBackNs = double.NaN);
