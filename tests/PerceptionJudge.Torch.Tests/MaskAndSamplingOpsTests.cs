using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>The ops a decoder needs around the core set: RoPE tables, masks, comparisons, sampling.</summary>
[TestFixture]
public sealed class MaskAndSamplingOpsTests : TorchTest
{
    [Test]
    public void Trig_AbsClamp()
    {
        AssertClose(Ops.Cos(F32([0, MathF.PI / 3])), [1, 0.5f]);
        AssertClose(Ops.Sin(F32([0, MathF.PI / 6])), [0, 0.5f]);
        AssertClose(Ops.Abs(F32([-2, 3])), [2, 3]);
        AssertClose(Ops.Clamp(F32([-5, 0.5f, 9]), -1, 1), [-1, 0.5f, 1]);
        AssertClose(Ops.Clamp(F32([-5, 9]), double.NegativeInfinity, 1), [-5, 1]);
    }

    [Test]
    public void Comparisons_GiveBoolTensors()
    {
        var a = F32([1, 2, 3]);
        var b = F32([3, 2, 1]);
        Assert.That(Ops.Eq(a, b).Dtype, Is.EqualTo(DType.Bool));
        Assert.That(Ops.Eq(a, b).ToArray<bool>(), Is.EqualTo(new[] { false, true, false }));
        Assert.That(Ops.Lt(a, b).ToArray<bool>(), Is.EqualTo(new[] { true, false, false }));
        Assert.That(Ops.Gt(a, b).ToArray<bool>(), Is.EqualTo(new[] { false, false, true }));
        Assert.That(Ops.LogicalNot(Ops.Gt(a, b)).ToArray<bool>(), Is.EqualTo(new[] { true, true, false }));
    }

    [Test]
    public void Stack_AddsADimension()
    {
        var s = Ops.Stack([F32([1, 2]), F32([3, 4]), F32([5, 6])], 1);
        Assert.That(s.Shape, Is.EqualTo(new long[] { 2, 3 }));
        AssertClose(s, [1, 3, 5, 2, 4, 6]);
        Assert.Throws<TorchException>(() => Ops.Stack([F32([1, 2]), F32([3])]));
        Assert.Throws<TorchException>(() => Ops.Stack([]));
    }

    [Test]
    public void TrilTriu_BuildCausalMasks()
    {
        var ones = Tensor.Ones([3, 3]);
        AssertClose(Ops.Tril(ones), [1, 0, 0, 1, 1, 0, 1, 1, 1]);
        AssertClose(Ops.Triu(ones, 1), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
        // The additive causal mask of a decoder: -inf strictly above the diagonal.
        var above = Ops.Gt(Ops.Triu(ones, 1), Tensor.Zeros([1]));
        var mask = Ops.MaskedFill(Tensor.Zeros([3, 3]), above, double.NegativeInfinity);
        Assert.That(mask.ToArray<float>().Count(float.IsNegativeInfinity), Is.EqualTo(3));
    }

    [Test]
    public void Cumsum_AndTopK()
    {
        AssertClose(Ops.Cumsum(F32([1, 2, 3, 4]), 0), [1, 3, 6, 10]);
        var (values, indices) = Ops.TopK(F32([1, 9, 3, 7]), 2);
        AssertClose(values, [9, 7]);
        Assert.That(indices.ToArray<long>(), Is.EqualTo(new long[] { 1, 3 }));
        var (low, lowIndices) = Ops.TopK(F32([1, 9, 3, 7]), 2, largest: false);
        AssertClose(low, [1, 3]);
        Assert.That(lowIndices.ToArray<long>(), Is.EqualTo(new long[] { 0, 2 }));
    }

    [Test]
    public void Multinomial_IsSeededAndFollowsTheWeights()
    {
        var probs = F32([0.25f, 0.75f, 0, 0.25f, 0.75f, 0], 2, 3);
        var a = Ops.Multinomial(probs, 4000, seed: 5, replacement: true).ToArray<long>();
        var b = Ops.Multinomial(probs, 4000, seed: 5, replacement: true).ToArray<long>();
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Has.None.EqualTo(2L), "zero weight is never drawn");
        Assert.That(a.Count(i => i == 1) / 8000.0, Is.EqualTo(0.75).Within(0.03));
        var oneHot = Ops.Multinomial(F32([0, 0, 1]), 1, seed: 9).ToArray<long>();
        Assert.That(oneHot, Is.EqualTo(new long[] { 2 }));
    }
}
