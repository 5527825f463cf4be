using System.Runtime.CompilerServices;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>DisposeScope semantics (TorchSharp memory.md) and the live-handle counters.</summary>
[TestFixture]
public sealed class ScopeTests : TorchTest
{
    [Test]
    public void Scope_FreesWhatWasCreatedInside()
    {
        var start = LibTorch.LiveTensors;
        var nativeStart = LibTorch.NativeLiveTensors;
        Tensor inner;
        using (var scope = LibTorch.NewDisposeScope())
        {
            inner = Tensor.Ones([3]) * 2 + 1;
            Assert.That(scope.Count, Is.EqualTo(3));
            Assert.That(LibTorch.LiveTensors, Is.EqualTo(start + 3));
            Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(nativeStart + 3));
        }
        Assert.That(inner.IsDisposed, Is.True);
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(start));
        Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(nativeStart));
    }

    [Test]
    public void Ops_NeverDisposeTheirInputs()
    {
        var x = Tensor.Ones([2]);
        using (LibTorch.NewDisposeScope())
        {
            _ = Ops.Exp(x) + x;
        }
        Assert.That(x.IsDisposed, Is.False);
        AssertClose(x, [1, 1]);
    }

    [Test]
    public void MoveToOuter_SurvivesInnerScopeAndDiesWithOuter()
    {
        Tensor kept, dropped;
        using (var outer = LibTorch.NewDisposeScope())
        {
            using (var inner = LibTorch.NewDisposeScope())
            {
                kept = Tensor.Ones([2]).MoveToOuterDisposeScope();
                dropped = Tensor.Ones([2]);
                Assert.That(inner.Count, Is.EqualTo(1));
            }
            Assert.That(dropped.IsDisposed, Is.True);
            Assert.That(kept.IsDisposed, Is.False);
            Assert.That(outer.Count, Is.EqualTo(1));
        }
        Assert.That(kept.IsDisposed, Is.True);
    }

    [Test]
    public void DetachFromScope_LeavesOwnershipToCaller()
    {
        Tensor parameter;
        using (var scope = LibTorch.NewDisposeScope())
        {
            parameter = scope.DetachFromScope(Tensor.Randn([4], 1));
        }
        Assert.That(parameter.IsDisposed, Is.False);
        parameter.Dispose();
        Assert.That(parameter.IsDisposed, Is.True);
    }

    [Test]
    public void Include_AdoptsAnUnscopedTensor()
    {
        var outside = Tensor.Ones([1]).DetachFromDisposeScope();
        using (var scope = LibTorch.NewDisposeScope())
        {
            scope.Include(outside);
        }
        Assert.That(outside.IsDisposed, Is.True);
    }

    [Test]
    public void ManualDispose_LeavesTheScope()
    {
        using var scope = LibTorch.NewDisposeScope();
        var t = Tensor.Ones([1]);
        t.Dispose();
        Assert.That(scope.Count, Is.EqualTo(0));
    }

    [Test]
    public void Scope_ThrowsWhenDisposedOutOfOrder()
    {
        var outer = LibTorch.NewDisposeScope();
        var inner = LibTorch.NewDisposeScope();
        Assert.Throws<InvalidOperationException>(outer.Dispose);
        inner.Dispose();
        outer.Dispose();
        Assert.That(DisposeScope.Current, Is.Not.Null, "the fixture's own scope is current again");
    }

    [Test]
    public void Finalizer_IsOnlyASafetyNet()
    {
        var start = LibTorch.NativeLiveTensors;
        LeakOneTensorOutsideAnyScope();
        Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(start + 1), "nothing frees it deterministically");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(start), "the SafeHandle finalizer frees it");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakOneTensorOutsideAnyScope() => _ = Tensor.Ones([8]).DetachFromDisposeScope();
}
