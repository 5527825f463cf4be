using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>Zero-copy: our kernels read and write libtorch storage through AsSpan; each side sees the other.</summary>
[TestFixture]
public sealed class InteropTests : TorchTest
{
    [Test]
    public void SpanWrite_IsSeenByLibTorch()
    {
        var t = Tensor.Zeros([1000]);
        var span = t.AsSpan<float>();
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = i;
        }
        // sum 0..999 = 999 * 1000 / 2
        Assert.That(t.Sum().Item(), Is.EqualTo(499_500));
    }

    [Test]
    public void LibTorchWrite_IsSeenThroughSpan()
    {
        var t = Tensor.Zeros([2, 3], DType.Float64);
        var span = t.AsSpan<double>();
        t.Add_(Tensor.Ones([2, 3], DType.Float64), alpha: 2);
        Assert.That(span.ToArray(), Is.All.EqualTo(2.0));
        t.Narrow(1, 1, 1).Fill_(-1);
        Assert.That(span.ToArray(), Is.EqualTo(new double[] { 2, -1, 2, 2, -1, 2 }));
    }

    [Test]
    public void KernelOnTensorMemory_FeedsLibTorchBackward()
    {
        // The KL kernel (k2 = 0.5 (logp - ref)^2) reads libtorch tensors and writes its value and d kl / d logp into
        // libtorch tensors; libtorch then sums the value and back-propagates the kernel's gradient to the logits.
        var logits = Tensor.Randn([4, 5], 40);
        logits.RequiresGrad = true;
        var logp = logits.LogSoftmax(-1);
        var refLogp = Tensor.Randn([4, 5], 41).LogSoftmax(-1);
        var kl = Tensor.Zeros([4, 5]);
        var grad = Tensor.Zeros([4, 5]);
        var logpValues = logp.Detach();
        KlPenalty.Compute("k2", logpValues.AsSpan<float>(), refLogp.AsSpan<float>(), kl.AsSpan<float>(),
            grad.AsSpan<float>());

        var diff = (logpValues - refLogp).ToArray<float>();
        Assert.That(kl.Sum().Item(), Is.EqualTo(diff.Sum(d => 0.5 * d * d)).Within(1e-4));
        Assert.That(grad.ToArray<float>(), Is.EqualTo(diff).Within(1e-6));

        logp.Backward(grad);
        // d/dlogits of sum(g * log_softmax) = g - softmax * sum(g) per row.
        var expected = (grad - logits.Softmax(-1).Detach() * grad.Sum([1], keepdim: true)).ToArray<float>();
        Assert.That(logits.Grad!.ToArray<float>(), Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void ParameterUpdatedThroughSpan_ChangesNextForward()
    {
        var w = F32([1, 2], 1, 2);
        w.RequiresGrad = true;
        var x = F32([3, 4], 1, 2);
        Ops.Linear(x, w).Sum().Backward();
        // SGD step written by "our kernel": w -= 0.1 * grad, on libtorch memory.
        var ws = w.AsSpan<float>();
        var gs = w.Grad!.AsSpan<float>();
        for (var i = 0; i < ws.Length; i++)
        {
            ws[i] -= 0.1f * gs[i];
        }
        // w = [1 - 0.3, 2 - 0.4]; x w^T = 3*0.7 + 4*1.6 = 8.5
        Assert.That(Ops.Linear(x, w).Item(), Is.EqualTo(8.5).Within(1e-5));
    }

    [Test]
    public void AsSpan_BFloat16ViewsRawBits()
    {
        var t = Tensor.Zeros([2], DType.BFloat16);
        t.AsSpan<ushort>()[1] = 0x3F80;
        AssertClose(t, [0, 1]);
    }

    [Test]
    public void AsSpan_RefusesWrongDtypeAndNonContiguous()
    {
        var t = Tensor.Zeros([2, 3]);
        var e = Assert.Throws<TorchException>(() => t.AsSpan<double>());
        Assert.That(e!.Message, Does.Contain("does not match"));
        e = Assert.Throws<TorchException>(() => t.Transpose(0, 1).AsSpan<float>());
        Assert.That(e!.Message, Does.Contain("contiguous"));
        Assert.That(t.Transpose(0, 1).Contiguous().AsSpan<float>().Length, Is.EqualTo(6));
        // A contiguous narrow along dim 0 is a span at an offset into the same storage.
        t.Narrow(0, 1, 1).AsSpan<float>()[0] = 3;
        Assert.That(t.ToArray<float>()[3], Is.EqualTo(3f));
    }
}
