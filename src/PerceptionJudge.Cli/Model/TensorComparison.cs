using System.Globalization;

namespace PerceptionJudge.Cli.Model;

/// <summary>
/// How tensor A differs from the reference B: max |a−b|, max |a−b| / max(|b|, tiny), and the elements over
/// tolerance (their count and the first one's flat index with both values, formatted).
/// </summary>
internal sealed record TensorDifference(
    long Numel, double MaxAbs, double MaxRelative, long OverCount, long FirstOver, string FirstA, string FirstB)
{
    /// <summary>No element is over tolerance.</summary>
    public bool Within => OverCount == 0;
}

/// <summary>
/// Element-wise comparison with numpy.allclose(a, b, rtol, atol, equal_nan=True) semantics, B the reference:
/// an element is close when a = b (equal infinities included), both are NaN, or both are finite and
/// |a−b| ≤ atol + rtol·|b|. NaN against a number counts as |a−b| = NaN (over tolerance), a differing infinity as ∞.
/// Integer tensors are compared exactly (tolerances ignored).
/// </summary>
internal static class TensorComparison
{
    /// <summary>numpy.finfo(float64).tiny, the smallest normal float64: the floor of the relative error's divisor.</summary>
    public const double Tiny = 2.2250738585072014e-308;

    /// <summary>
    /// Compares float tensors (already converted to float64); <paramref name="single"/> prints the first values as
    /// their shortest float32 text (exact for F32, F16 and BF16 sources).
    /// </summary>
    public static TensorDifference Compare(
        ReadOnlySpan<double> a, ReadOnlySpan<double> b, double rtol, double atol, bool single = false)
    {
        CheckLengths(a.Length, b.Length);
        double maxAbs = 0, maxRelative = 0;
        long over = 0, first = -1;
        for (var i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            if (x == y || (double.IsNaN(x) && double.IsNaN(y)))
            {
                continue; // equal, equal infinities, or NaN against NaN: a difference of 0
            }
            double abs;
            bool close;
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                abs = double.IsNaN(x) || double.IsNaN(y) ? double.NaN : double.PositiveInfinity;
                close = false;
            }
            else
            {
                abs = System.Math.Abs(x - y);
                close = abs <= atol + rtol * System.Math.Abs(y);
            }
            // Math.Max propagates NaN, so one NaN-against-number element shows as a NaN maximum.
            maxAbs = System.Math.Max(maxAbs, abs);
            maxRelative = System.Math.Max(maxRelative, Relative(abs, System.Math.Abs(y)));
            if (!close)
            {
                first = over++ == 0 ? i : first;
            }
        }
        return new TensorDifference(a.Length, maxAbs, maxRelative, over, first,
            first < 0 ? "" : Format(a[(int)first], single), first < 0 ? "" : Format(b[(int)first], single));
    }

    /// <summary>Compares integer (or BOOL) tensors exactly; the differences are computed without overflow.</summary>
    public static TensorDifference CompareExact(ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        CheckLengths(a.Length, b.Length);
        double maxAbs = 0, maxRelative = 0;
        long over = 0, first = -1;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                continue;
            }
            var abs = (double)Int128.Abs((Int128)a[i] - b[i]);
            maxAbs = System.Math.Max(maxAbs, abs);
            maxRelative = System.Math.Max(maxRelative, Relative(abs, (double)Int128.Abs(b[i])));
            first = over++ == 0 ? i : first;
        }
        return new TensorDifference(a.Length, maxAbs, maxRelative, over, first,
            first < 0 ? "" : a[(int)first].ToString(CultureInfo.InvariantCulture),
            first < 0 ? "" : b[(int)first].ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The row-major multi-index of flat index <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static long[] Unravel(long flat, IReadOnlyList<long> shape)
    {
        var index = new long[shape.Count];
        for (var d = shape.Count - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }

    /// <summary>
    /// Shortest round-trip text of a float64, or of the float32 it equals when <paramref name="single"/>
    /// (nan, inf, -inf spelled as numpy prints them).
    /// </summary>
    public static string Format(double value, bool single = false) =>
        double.IsNaN(value) ? "nan"
        : double.IsPositiveInfinity(value) ? "inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : single ? ((float)value).ToString("R", CultureInfo.InvariantCulture)
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static double Relative(double abs, double magnitude) =>
        double.IsFinite(abs) ? abs / System.Math.Max(magnitude, Tiny) : abs;

    private static void CheckLengths(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"element counts differ: {a} vs {b}; check shapes first");
        }
    }
}
