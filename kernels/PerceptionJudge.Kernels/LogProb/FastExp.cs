namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// <c>e^x</c> in float for the arguments of an online softmax (<c>x = z − m ≤ 0</c>): Cody–Waite reduction
/// <c>x = n·ln2 + f</c>, |f| ≤ ln2/2, a degree-7 (Cephes <c>expf</c>) polynomial for <c>e^f</c>, and <c>2^n</c> built
/// in the exponent bits. Relative error ≤ 2 ulp on [−87.3, 88.3]; <c>x &lt; −87.3</c> gives exactly 0 (no
/// denormals); NaN gives NaN. About 4× cheaper than the double-widened <c>Vector512.Exp(float)</c>; the scalar form
/// is the same polynomial, so tails and vector lanes agree.
/// </summary>
internal static class FastExp
{
    private const float Log2E = 1.44269504f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float Lo = -87.3f;
    private const float Hi = 88.3f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    public static float Exp(float x)
    {
        if (x < Lo)
        {
            return 0f;
        }

        float xc = MathF.Min(x, Hi);
        float n = MathF.Round(xc * Log2E);
        float f = MathF.FusedMultiplyAdd(n, -Ln2Lo, MathF.FusedMultiplyAdd(n, -Ln2Hi, xc));
        float p = MathF.FusedMultiplyAdd(P0, f, P1);
        p = MathF.FusedMultiplyAdd(p, f, P2);
        p = MathF.FusedMultiplyAdd(p, f, P3);
        p = MathF.FusedMultiplyAdd(p, f, P4);
        p = MathF.FusedMultiplyAdd(p, f, P5);
        p = MathF.FusedMultiplyAdd(p, f * f, f) + 1f;
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    public static Vector512<float> Exp(Vector512<float> x)
    {
        var xc = Vector512.Min(Vector512.Max(x, Vector512.Create(Lo)), Vector512.Create(Hi));
        var n = Vector512.Round(xc * Vector512.Create(Log2E));
        var f = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), xc);
        f = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), f);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), f, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, f * f, f) + Vector512<float>.One;
        var scale = ((Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23).AsSingle();
        var r = p * scale;

        // x < Lo → 0 (false for NaN, so NaN stays NaN through p: f inherits it unless Max dropped it).
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Lo)), Vector512<float>.Zero, r);
    }

    public static Vector256<float> Exp(Vector256<float> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(Lo)), Vector256.Create(Hi));
        var n = Vector256.Round(xc * Vector256.Create(Log2E));
        var f = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), xc);
        f = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), f);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), f, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, f * f, f) + Vector256<float>.One;
        var scale = ((Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23).AsSingle();
        var r = p * scale;
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Lo)), Vector256<float>.Zero, r);
    }
}
