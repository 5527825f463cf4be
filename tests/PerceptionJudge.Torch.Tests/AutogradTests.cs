using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>backward / grad / no_grad, an analytic gradient by hand, and central differences in float64.</summary>
[TestFixture]
public sealed class AutogradTests : TorchTest
{
    [Test]
    public void Backward_MatchesAnalyticGradientOfSmallGraph()
    {
        // z = W x + b = [1*1+2*2+0.5, 3*1+4*2-1] = [5.5, 10]; L = sum(z^2) = 130.25; dL/dz = 2z = [11, 20];
        // dL/dW = outer(2z, x) = [[11, 22], [20, 40]]; dL/db = [11, 20]; dL/dx = W^T 2z = [71, 102].
        var w = F32([1, 2, 3, 4], 2, 2);
        var x = F32([1, 2]);
        var b = F32([0.5f, -1]);
        foreach (var p in new[] { w, x, b })
        {
            p.RequiresGrad = true;
        }
        var loss = Ops.Pow(Ops.Linear(x, w, b), 2).Sum();
        Assert.That(loss.Item(), Is.EqualTo(130.25));
        Assert.That(loss.RequiresGrad, Is.True);
        loss.Backward();
        AssertClose(w.Grad!, [11, 22, 20, 40]);
        AssertClose(b.Grad!, [11, 20]);
        AssertClose(x.Grad!, [71, 102]);
    }

    [Test]
    public void Backward_TakesUpstreamGradAndAccumulates()
    {
        var x = F32([1, 2]);
        x.RequiresGrad = true;
        Assert.That(x.Grad, Is.Null);
        (x * 3).Backward(F32([1, 2]));
        AssertClose(x.Grad!, [3, 6]);
        (x * 3).Backward(F32([1, 2]));
        AssertClose(x.Grad!, [6, 12]);
        x.ZeroGrad();
        Assert.That(x.Grad, Is.Null);
    }

    [Test]
    public void Backward_TwiceWithoutRetainGraphThrows()
    {
        var x = F32([1, 2]);
        x.RequiresGrad = true;
        var y = Ops.Exp(x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        AssertClose(x.Grad!, [2 * MathF.E, 2 * MathF.E * MathF.E]);
        var e = Assert.Throws<TorchException>(() => y.Backward());
        Assert.That(e!.Message, Does.Contain("second time"));
    }

    [Test]
    public void RequiresGrad_CannotBeClearedOnNonLeaf()
    {
        var x = F32([1]);
        x.RequiresGrad = true;
        var y = x * 2;
        Assert.Throws<TorchException>(() => y.RequiresGrad = false);
    }

    [Test]
    public void NoGrad_StopsRecordingAndRestoresMode()
    {
        var x = F32([1, 2]);
        x.RequiresGrad = true;
        Assert.That(LibTorch.IsGradEnabled, Is.True);
        using (LibTorch.NoGrad())
        {
            Assert.That(LibTorch.IsGradEnabled, Is.False);
            using (LibTorch.NoGrad())
            {
                Assert.That((x * 2).RequiresGrad, Is.False);
            }
            Assert.That(LibTorch.IsGradEnabled, Is.False);
        }
        Assert.That(LibTorch.IsGradEnabled, Is.True);
        Assert.That((x * 2).RequiresGrad, Is.True);
    }

    [Test]
    public void Detach_SharesStorageWithoutGraph()
    {
        var x = F32([1, 2]);
        x.RequiresGrad = true;
        var d = x.Detach();
        Assert.That(d.RequiresGrad, Is.False);
        d.AsSpan<float>()[0] = 5;
        AssertClose(x, [5, 2]);
        var c = x.Clone();
        Assert.That(c.RequiresGrad, Is.True);
        d.AsSpan<float>()[0] = 9;
        AssertClose(c, [5, 2]);
    }

    [Test]
    public void InPlace_CopyAddRunWithoutGradOnParameters()
    {
        var w = F32([1, 2]);
        w.RequiresGrad = true;
        w.Add_(F32([10, 10]), alpha: -0.5);
        AssertClose(w, [-4, -3]);
        w.Copy_(F32([7, 8]));
        AssertClose(w, [7, 8]);
        w.Mul_(2);
        AssertClose(w, [14, 16]);
        w.Fill_(1);
        AssertClose(w, [1, 1]);
        w.Zero_();
        AssertClose(w, [0, 0]);
        Assert.That(w.RequiresGrad, Is.True);
    }

    [Test]
    public void RmsNorm_GradientMatchesFiniteDifferences()
    {
        var x = Tensor.Randn([3, 6], 21, DType.Float64);
        var w = Tensor.Randn([6], 22, DType.Float64);
        CheckGradients(inputs => Ops.RmsNorm(inputs[0], inputs[1], 1e-6), [x, w]);
    }

    [Test]
    public void LayerNorm_GradientMatchesFiniteDifferences()
    {
        var x = Tensor.Randn([2, 5], 23, DType.Float64);
        var w = Tensor.Randn([5], 24, DType.Float64);
        var b = Tensor.Randn([5], 25, DType.Float64);
        CheckGradients(inputs => Ops.LayerNorm(inputs[0], inputs[1], inputs[2], 1e-5), [x, w, b]);
    }

    [Test]
    public void Attention_GradientMatchesFiniteDifferences()
    {
        var q = Tensor.Randn([2, 2, 3, 4], 26, DType.Float64);
        var k = Tensor.Randn([2, 1, 3, 4], 27, DType.Float64);
        var v = Tensor.Randn([2, 1, 3, 4], 28, DType.Float64);
        var mask = F64([0, 0, 0, 0, 0, double.NegativeInfinity], 2, 1, 1, 3);
        CheckGradients(
            inputs => Ops.ScaledDotProductAttention(inputs[0], inputs[1], inputs[2], mask, isCausal: true), [q, k, v]);
    }

    [Test]
    public void RotaryLinearSiluSoftmax_GradientMatchesFiniteDifferences()
    {
        var x = Tensor.Randn([2, 4], 29, DType.Float64);
        var w = Tensor.Randn([4, 4], 30, DType.Float64);
        var cos = Ops.Exp(Tensor.Randn([4], 31, DType.Float64) * 0.1);
        var sin = Tensor.Randn([4], 32, DType.Float64);
        CheckGradients(
            inputs => Ops.Silu(Ops.Rotary(Ops.Linear(inputs[0], inputs[1]), cos, sin)).Softmax(-1), [x, w]);
        CheckGradients(inputs => Ops.Gelu(Ops.Rotary(inputs[0], cos, sin, interleaved: true)), [x]);
    }

    /// <summary>
    /// L = sum(f(inputs) * R) with fixed random R; analytic dL/d input from backward against central differences
    /// (h = 1e-6 in float64, tolerance 1e-6 absolute + 1e-5 relative).
    /// </summary>
    private static void CheckGradients(Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        foreach (var input in inputs)
        {
            input.RequiresGrad = true;
        }
        Tensor? projection = null;
        double Loss()
        {
            using var scope = LibTorch.NewDisposeScope();
            var y = f(inputs);
            projection ??= Tensor.Randn(y.Shape, 99, DType.Float64).MoveToOuterDisposeScope();
            return (y * projection).Sum().Item();
        }

        Loss();
        using (var scope = LibTorch.NewDisposeScope())
        {
            (f(inputs) * projection!).Sum().Backward();
        }
        const double h = 1e-6;
        for (var n = 0; n < inputs.Length; n++)
        {
            var analytic = inputs[n].Grad!.ToArray<double>();
            var data = inputs[n].Detach();
            var numeric = new double[analytic.Length];
            for (var i = 0; i < numeric.Length; i++)
            {
                var keep = data.AsSpan<double>()[i];
                data.AsSpan<double>()[i] = keep + h;
                var up = Loss();
                data.AsSpan<double>()[i] = keep - h;
                var down = Loss();
                data.AsSpan<double>()[i] = keep;
                numeric[i] = (up - down) / (2 * h);
            }
            for (var i = 0; i < numeric.Length; i++)
            {
                Assert.That(
                    analytic[i], Is.EqualTo(numeric[i]).Within(1e-6 + 1e-5 * Math.Abs(numeric[i])),
                    $"input {n} element {i}");
            }
            inputs[n].ZeroGrad();
        }
    }
}
