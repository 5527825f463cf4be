using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>Each op against values worked out by hand (the arithmetic is in the comments).</summary>
[TestFixture]
public sealed class OpsTests : TorchTest
{
    [Test]
    public void MatMul_MultipliesAndBroadcastsBatches()
    {
        // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]]
        AssertClose(F32([1, 2, 3, 4], 2, 2).MatMul(F32([5, 6, 7, 8], 2, 2)), [19, 22, 43, 50]);
        var batched = Ops.MatMul(Tensor.Ones([3, 1, 2, 4]), Tensor.Ones([5, 4, 6]));
        Assert.That(batched.Shape, Is.EqualTo(new long[] { 3, 5, 2, 6 }));
        Assert.That(batched.ToArray<float>(), Is.All.EqualTo(4f));
    }

    [Test]
    public void Linear_IsXWTransposePlusBias()
    {
        var x = F32([1, 2], 1, 2);
        var w = F32([1, 0, 1, 1, 0, 2], 3, 2);
        // x W^T = [1, 1+2, 4]; + b [1, 2, 3]
        AssertClose(Ops.Linear(x, w), [1, 3, 4]);
        AssertClose(Ops.Linear(x, w, F32([1, 2, 3])), [2, 5, 7]);
    }

    [Test]
    public void Arithmetic_BroadcastsAndTakesScalars()
    {
        var a = F32([1, 2, 3, 4], 2, 2);
        var row = F32([10, 20], 1, 2);
        AssertClose(a + row, [11, 22, 13, 24]);
        AssertClose(a - row, [-9, -18, -7, -16]);
        AssertClose(a * row, [10, 40, 30, 80]);
        AssertClose(a / row, [0.1f, 0.1f, 0.3f, 0.2f]);
        AssertClose(Ops.Add(a, row, alpha: 0.5), [6, 12, 8, 14]);
        AssertClose(a + 1, [2, 3, 4, 5]);
        AssertClose(a - 1, [0, 1, 2, 3]);
        AssertClose(2 * a, [2, 4, 6, 8]);
        AssertClose(-a, [-1, -2, -3, -4]);
        AssertClose(Ops.Pow(a, 2), [1, 4, 9, 16]);
    }

    [Test]
    public void Pointwise_MatchesClosedForms()
    {
        var x = F32([-1, 0, 1, 2]);
        AssertClose(Ops.Exp(x), [1 / MathF.E, 1, MathF.E, MathF.E * MathF.E]);
        AssertClose(Ops.Log(F32([1, MathF.E, 4])), [0, 1, MathF.Log(4)]);
        AssertClose(Ops.Sqrt(F32([4, 9])), [2, 3]);
        AssertClose(Ops.Rsqrt(F32([4, 0.25f])), [0.5f, 2]);
        AssertClose(Ops.Tanh(x), [MathF.Tanh(-1), 0, MathF.Tanh(1), MathF.Tanh(2)]);
        AssertClose(Ops.Relu(x), [0, 0, 1, 2]);
        // sigmoid(1) = 1/(1+e^-1) = 0.7310586; silu(x) = x sigmoid(x)
        AssertClose(Ops.Sigmoid(x), [0.26894142f, 0.5f, 0.7310586f, 0.8807971f]);
        AssertClose(Ops.Silu(x), [-0.26894142f, 0, 0.7310586f, 1.7615942f]);
        // gelu(1) = Phi(1) = 0.8413447; tanh form: 0.5(1 + tanh(sqrt(2/pi)(1 + 0.044715))) = 0.8411920
        AssertClose(Ops.Gelu(F32([1, -1])), [0.8413447f, -0.15865526f]);
        AssertClose(Ops.Gelu(F32([1]), tanhApproximation: true), [0.8411920f]);
    }

    [Test]
    public void Dropout_IsIdentityInEvalAndScalesKeptValuesInTraining()
    {
        var x = Tensor.Ones([10_000]);
        AssertClose(Ops.Dropout(x, 0.5, training: false), Enumerable.Repeat(1f, 10_000).ToArray());
        LibTorch.ManualSeed(1);
        var y = Ops.Dropout(x, 0.5, training: true).ToArray<float>();
        Assert.That(y, Is.All.EqualTo(0f).Or.EqualTo(2f));
        Assert.That(y.Count(v => v == 0) / 10_000.0, Is.EqualTo(0.5).Within(0.03));
    }

    [Test]
    public void MaskedFillAndWhere_SelectByBoolMask()
    {
        var x = F32([1, 2, 3]);
        var mask = Tensor.From<bool>([true, false, true], 3);
        AssertClose(Ops.MaskedFill(x, mask, -5), [-5, 2, -5]);
        AssertClose(Ops.Where(mask, x, F32([7, 8, 9])), [1, 8, 3]);
    }

    [Test]
    public void Embedding_PicksRows()
    {
        var weight = F32([0, 1, 10, 11, 20, 21], 3, 2);
        var rows = Ops.Embedding(weight, I64([2, 0, 2], 1, 3));
        Assert.That(rows.Shape, Is.EqualTo(new long[] { 1, 3, 2 }));
        AssertClose(rows, [20, 21, 0, 1, 20, 21]);
    }

    [Test]
    public void RmsNorm_DividesByRootMeanSquare()
    {
        // x = [3, 4]: mean(x^2) = 12.5, 1/sqrt(12.5 + eps) = 0.28284 -> [0.84853, 1.13137] * w [1, 2]
        var r = 1 / Math.Sqrt(12.5 + 1e-6);
        AssertClose(Ops.RmsNorm(F32([3, 4], 1, 2), F32([1, 2]), 1e-6), [(float)(3 * r), (float)(8 * r)]);
        // Row [0, 2]: mean(x^2) = 2 -> [0, 2 / sqrt(2)].
        AssertClose(
            Ops.RmsNorm(F32([3, 4, 0, 2], 2, 2), null, 1e-6), [(float)(3 * r), (float)(4 * r), 0, MathF.Sqrt(2)]);
        // bf16 input: statistics in float32, the result cast back.
        var bf = Ops.RmsNorm(F32([3, 4]).To(DType.BFloat16), null, 1e-6);
        Assert.That(bf.Dtype, Is.EqualTo(DType.BFloat16));
        AssertClose(bf, [(float)(3 * r), (float)(4 * r)], 1e-2);
    }

    [Test]
    public void LayerNorm_NormalisesLastDim()
    {
        // [1, 2, 3]: mean 2, biased var 2/3 -> (x - 2) / sqrt(2/3) = [-1.2247449, 0, 1.2247449]
        AssertClose(Ops.LayerNorm(F32([1, 2, 3], 1, 3), null, null, 0), [-1.2247449f, 0, 1.2247449f]);
        AssertClose(
            Ops.LayerNorm(F32([1, 2, 3]), F32([2, 2, 2]), F32([1, 1, 1]), 0), [1 - 2.4494898f, 1, 1 + 2.4494898f]);
    }

    [Test]
    public void Rotary_HalfSplitRotatesPairsIAndIPlusHalf()
    {
        // d = 4, pairs (x0, x2) and (x1, x3); rotate_half(x) = [-x2, -x3, x0, x1].
        float c0 = MathF.Cos(0.5f), s0 = MathF.Sin(0.5f), c1 = MathF.Cos(0.25f), s1 = MathF.Sin(0.25f);
        var x = F32([1, 2, 3, 4], 1, 4);
        var y = Ops.Rotary(x, F32([c0, c1, c0, c1], 1, 4), F32([s0, s1, s0, s1], 1, 4));
        AssertClose(y, [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1]);
    }

    [Test]
    public void Rotary_InterleavedRotatesAdjacentPairs()
    {
        // pairs (x0, x1) and (x2, x3); rot(x) = [-x1, x0, -x3, x2].
        float c0 = MathF.Cos(0.5f), s0 = MathF.Sin(0.5f), c1 = MathF.Cos(0.25f), s1 = MathF.Sin(0.25f);
        var x = F32([1, 2, 3, 4], 1, 4);
        var y = Ops.Rotary(x, F32([c0, c0, c1, c1], 1, 4), F32([s0, s0, s1, s1], 1, 4), interleaved: true);
        AssertClose(y, [1 * c0 - 2 * s0, 2 * c0 + 1 * s0, 3 * c1 - 4 * s1, 4 * c1 + 3 * s1]);
    }

    [Test]
    public void Rotary_ThrowsForOddHeadDim()
    {
        var e = Assert.Throws<TorchException>(() => Ops.Rotary(F32([1, 2, 3]), F32([1, 1, 1]), F32([0, 0, 0])));
        Assert.That(e!.Message, Does.Contain("head dim must be even"));
    }

    [Test]
    public void Softmax_AndLogSoftmax()
    {
        // e^[1,2,3] / (e + e^2 + e^3) = [0.0900306, 0.2447285, 0.6652410]
        AssertClose(F32([1, 2, 3]).Softmax(0), [0.09003057f, 0.24472847f, 0.66524096f]);
        AssertClose(F32([1, 2, 3]).LogSoftmax(-1), [-2.4076059f, -1.4076059f, -0.40760596f]);
    }

    [Test]
    public void ShapeOps_ReshapeViewTransposePermute()
    {
        var x = Tensor.Arange(0, 6, dtype: DType.Float32);
        var m = x.Reshape(2, -1);
        Assert.That(m.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(x.View(3, 2).Shape, Is.EqualTo(new long[] { 3, 2 }));
        var t = m.Transpose(0, 1);
        Assert.That(t.Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(t.IsContiguous, Is.False);
        AssertClose(t, [0, 3, 1, 4, 2, 5]);
        Assert.Throws<TorchException>(() => t.View(6));
        AssertClose(t.Reshape(6), [0, 3, 1, 4, 2, 5]);
        var p = Tensor.Zeros([2, 3, 4]).Permute(2, 0, 1);
        Assert.That(p.Shape, Is.EqualTo(new long[] { 4, 2, 3 }));
        Assert.That(m.Unsqueeze(0).Shape, Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(m.Unsqueeze(0).Squeeze(0).Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(Ops.Expand(F32([1, 2], 2, 1), 2, 5).Shape, Is.EqualTo(new long[] { 2, 5 }));
    }

    [Test]
    public void Cat_NarrowSlice()
    {
        var a = F32([1, 2, 3, 4], 2, 2);
        var b = F32([5, 6], 1, 2);
        AssertClose(Ops.Cat([a, b]), [1, 2, 3, 4, 5, 6]);
        AssertClose(Ops.Cat([a, a], 1), [1, 2, 1, 2, 3, 4, 3, 4]);
        Assert.Throws<TorchException>(() => Ops.Cat([a, b], 1));
        var x = Tensor.Arange(0, 10, dtype: DType.Float32);
        AssertClose(x.Narrow(0, 3, 4), [3, 4, 5, 6]);
        AssertClose(x.Slice(0, 1, 8, 3), [1, 4, 7]);
        AssertClose(x.Slice(0, 7, long.MaxValue), [7, 8, 9]);
    }

    [Test]
    public void Gather_AndIndexSelect()
    {
        var x = F32([1, 2, 3, 4], 2, 2);
        // dim 1: out[i][j] = x[i][index[i][j]]
        AssertClose(Ops.Gather(x, 1, I64([0, 0, 1, 0], 2, 2)), [1, 1, 4, 3]);
        AssertClose(Ops.IndexSelect(x, 0, I64([1, 0, 1])), [3, 4, 1, 2, 3, 4]);
        AssertClose(Ops.IndexSelect(x, 1, I64([1])), [2, 4]);
    }

    [Test]
    public void Conv2d_PatchEmbedSumsBlocks()
    {
        // 4x4 image 0..15, a 2x2 kernel of ones, stride 2: each output is the sum of one 2x2 block.
        var image = Tensor.Arange(0, 16, dtype: DType.Float32).Reshape(1, 1, 4, 4);
        var weight = Tensor.Ones([1, 1, 2, 2]);
        var y = Ops.Conv2d(image, weight, F32([1]), stride: 2);
        Assert.That(y.Shape, Is.EqualTo(new long[] { 1, 1, 2, 2 }));
        AssertClose(y, [0 + 1 + 4 + 5 + 1, 2 + 3 + 6 + 7 + 1, 8 + 9 + 12 + 13 + 1, 10 + 11 + 14 + 15 + 1]);
        // 3x3 kernel, padding 1 keeps 4x4; the corner sees the 2x2 block 0,1,4,5.
        var same = Ops.Conv2d(image, Tensor.Ones([2, 1, 3, 3]), null, stride: 1, padding: 1);
        Assert.That(same.Shape, Is.EqualTo(new long[] { 1, 2, 4, 4 }));
        Assert.That(same.ToArray<float>()[0], Is.EqualTo(10f));
        Assert.That(Ops.Conv2d(image, weight, null, 1, 2, 0, 0).Shape, Is.EqualTo(new long[] { 1, 1, 3, 2 }));
    }

    [Test]
    public void Reductions_SumMeanMaxArgMax()
    {
        var x = F32([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.That(x.Sum().Item(), Is.EqualTo(21));
        Assert.That(x.Mean().Item(), Is.EqualTo(3.5));
        AssertClose(x.Sum([0]), [5, 7, 9]);
        AssertClose(x.Mean([1]), [2, 5]);
        Assert.That(x.Sum([1], keepdim: true).Shape, Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(x.Sum([0, 1]).Item(), Is.EqualTo(21));
        var (values, indices) = Ops.Max(F32([1, 9, 3, 7, 2, 8], 2, 3), 1);
        AssertClose(values, [9, 8]);
        Assert.That(indices.ToArray<long>(), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(Ops.ArgMax(F32([1, 9, 3, 7, 2, 8], 2, 3), 0).ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 1 }));
        Assert.Throws<TorchException>(() => x.Sum([]));
    }
}
