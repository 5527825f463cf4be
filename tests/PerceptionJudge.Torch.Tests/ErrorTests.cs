using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>libtorch errors cross the C ABI as TorchException with libtorch's message; the process goes on.</summary>
[TestFixture]
public sealed class ErrorTests : TorchTest
{
    [Test]
    public void MatMul_ThrowsForShapeMismatchWithLibTorchMessage()
    {
        var a = Tensor.Ones([2, 3]);
        var e = Assert.Throws<TorchException>(() => a.MatMul(Tensor.Ones([2, 3])));
        Assert.That(e!.Message, Does.Contain("cannot be multiplied"));
        Assert.That(e.Message, Does.Contain("2x3"));
        Assert.That(e.Message, Does.Not.Contain("frame #"), "the C++ backtrace is stripped");
        Assert.That(e.Status, Is.EqualTo(1));
        // The shim and the inputs are still usable.
        Assert.That(a.MatMul(Tensor.Ones([3, 2])).Sum().Item(), Is.EqualTo(12));
    }

    [Test]
    public void Embedding_ThrowsForIndexOutOfRange()
    {
        var e = Assert.Throws<TorchException>(() => Ops.Embedding(Tensor.Zeros([3, 2]), I64([5])));
        Assert.That(e!.Message, Does.Contain("out of range"));
    }

    [Test]
    public void UnknownDtype_IsAnArgumentError()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.Zeros([1], (DType)42));
        Assert.That(e!.Message, Does.Contain("unknown dtype code 42"));
        Assert.That(e.Status, Is.EqualTo(2));
    }

    [Test]
    public void UseAfterDispose_ThrowsObjectDisposed()
    {
        var t = Tensor.Ones([2]);
        t.Dispose();
        t.Dispose();
        Assert.That(t.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => _ = t.Sum());
        Assert.That(t.ToString(), Is.EqualTo("Tensor(disposed)"));
    }

    [Test]
    public void Errors_AreThreadLocal()
    {
        string? other = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var a = Tensor.Ones([1, 4]);
                using var b = Tensor.Ones([5, 1]);
                a.MatMul(b);
            }
            catch (TorchException e)
            {
                other = e.Message;
            }
        });
        thread.Start();
        thread.Join();
        var mine = Assert.Throws<TorchException>(() => Tensor.Ones([2, 3]).MatMul(Tensor.Ones([2, 3])));
        Assert.That(other, Does.Contain("1x4"));
        Assert.That(mine!.Message, Does.Contain("2x3"));
    }
}
