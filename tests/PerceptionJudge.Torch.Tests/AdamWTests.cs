using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>
/// libtorch's own torch::optim::AdamW and clip_grad_norm_ against our FusedAdamW kernel (Kernels.Optim): same
/// parameters, gradients and hyper-parameters, compared element by element after each step.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AdamWTests : TorchTest
{
    private static readonly int[] s_sizes = [37, 5, 64];

    private static IEnumerable<TestCaseData> Options()
    {
        yield return new TestCaseData(new AdamWOptions(Lr: 1e-2, Beta1: 0.8, Beta2: 0.95, Eps: 1e-6, WeightDecay: 0.1))
            .SetName("AdamW_MatchesFusedAdamW_DecayAndOwnBetas");
        yield return new TestCaseData(new AdamWOptions(Lr: 3e-3, WeightDecay: 0))
            .SetName("AdamW_MatchesFusedAdamW_NoDecay");
        yield return new TestCaseData(new AdamWOptions(Lr: 1e-2, WeightDecay: 0.01, MaxGradNorm: 1.0))
            .SetName("AdamW_MatchesFusedAdamW_WithClipGradNorm");
    }

    [TestCaseSource(nameof(Options))]
    public void AdamW_MatchesFusedAdamWOverThreeSteps(AdamWOptions o)
    {
        var rng = new Random(20261122);
        var p = s_sizes.Select(n => Uniform(rng, n, 1.0)).ToArray();
        var initial = p.Select(x => (float[])x.Clone()).ToArray();
        var m = s_sizes.Select(n => new float[n]).ToArray();
        var v = s_sizes.Select(n => new float[n]).ToArray();
        var parameters = p.Select(x => F32(x)).ToArray();
        foreach (var t in parameters)
        {
            t.RequiresGrad = true;
        }

        using var adamw = new AdamW(parameters, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay);
        for (var step = 1; step <= 3; step++)
        {
            // Elements in [-0.5, 0.5): the global norm (about 3) is above max_norm 1, so clipping really scales.
            var g = s_sizes.Select(n => Uniform(rng, n, 1.0)).ToArray();
            adamw.ZeroGrad();
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Backward(F32(g[i]));
            }

            var slots = p.Select((x, i) => ParamSlot.Of(x, g[i], m[i], v[i])).ToArray();
            var norm = FusedAdamW.Step(OptimKernels.For(Backend.Reference), slots, step, o);
            if (o.MaxGradNorm is double maxNorm)
            {
                Assert.That(norm, Is.GreaterThan(maxNorm), "the case must exercise clipping");
                Assert.That(AdamW.ClipGradNorm(parameters, maxNorm), Is.EqualTo(norm).Within(1e-5).Percent);
            }

            adamw.Step();
            for (var i = 0; i < parameters.Length; i++)
            {
                AssertClose(parameters[i], p[i], 2e-6);
            }
        }

        var moved = p.Zip(initial).Max(pair => pair.First.Zip(pair.Second).Max(e => Math.Abs(e.First - e.Second)));
        Assert.That(moved, Is.GreaterThan(1e-3), "three steps must move the parameters well beyond the tolerance");
    }

    [Test]
    public void ClipGradNorm_MatchesGlobalGradNormAndScalesGrads()
    {
        var rng = new Random(20261122);
        var g = s_sizes.Select(n => Uniform(rng, n, 2.0)).ToArray();
        var parameters = WithGrads(g);
        var expected = GradNorm.Global(g.Select(x => (ReadOnlyMemory<float>)x).ToArray());
        const double maxNorm = 0.5;

        var total = AdamW.ClipGradNorm(parameters, maxNorm);

        // libtorch computes the norm in float32 (ours in double): 1e-7 relative.
        Assert.That(total, Is.EqualTo(expected).Within(1e-5).Percent);
        var coefficient = GradNorm.ClipCoefficient(expected, maxNorm);
        Assert.That(coefficient, Is.LessThan(1));
        for (var i = 0; i < g.Length; i++)
        {
            AssertClose(parameters[i].Grad!, [.. g[i].Select(x => (float)(x * coefficient))], 1e-6);
        }
    }

    [Test]
    public void ClipGradNorm_LeavesGradsBelowMaxNormUnchanged()
    {
        var g = new[] { new[] { 0.3f, -0.4f }, new[] { 0f } };
        var parameters = WithGrads(g);

        Assert.That(AdamW.ClipGradNorm(parameters, 1.0), Is.EqualTo(0.5).Within(1e-7));
        // coefficient 1 / (0.5 + 1e-6) clamps to 1.
        AssertClose(parameters[0].Grad!, g[0], 0);
        AssertClose(parameters[1].Grad!, g[1], 0);
    }

    [Test]
    public void ClipGradNorm_ThrowsForNonFiniteNormAndLeavesGrads()
    {
        var g = new[] { new[] { 3f, 4f }, new[] { float.NaN } };
        var parameters = WithGrads(g);

        var e = Assert.Throws<TorchException>(() => AdamW.ClipGradNorm(parameters, 1.0));

        Assert.That(e!.Message, Does.Contain("non-finite"));
        AssertClose(parameters[0].Grad!, g[0], 0);
    }

    [Test]
    public void ClipGradNorm_ThrowsForBadMaxNorm()
    {
        var e = Assert.Throws<TorchException>(() => AdamW.ClipGradNorm(WithGrads([[1f]]), 0));
        Assert.That(e!.Message, Does.Contain("max_norm must be finite and positive"));
        Assert.That(e.Status, Is.EqualTo(2));
    }

    [Test]
    public void Step_ThrowsForParameterWithoutGradAndUpdatesNothing()
    {
        var withGrad = WithGrads([[1f, 2f]])[0];
        var withoutGrad = F32([5f]);
        withoutGrad.RequiresGrad = true;
        using var adamw = new AdamW([withGrad, withoutGrad], lr: 0.1);

        var e = Assert.Throws<TorchException>(adamw.Step);

        Assert.That(e!.Message, Does.Contain("params[1] has no .grad"));
        Assert.That(e.Status, Is.EqualTo(2));
        AssertClose(withGrad, [0f, 0f], 0);
        var clip = Assert.Throws<TorchException>(() => AdamW.ClipGradNorm([withGrad, withoutGrad], 1.0));
        Assert.That(clip!.Message, Does.Contain("params[1] has no .grad"));
    }

    [Test]
    public void New_ThrowsForParameterThatCannotBeOptimized()
    {
        var noRequiresGrad = Assert.Throws<TorchException>(() => new AdamW([F32([1f])]));
        Assert.That(noRequiresGrad!.Message, Does.Contain("params[0] must be a leaf tensor with requires_grad"));

        var integer = Assert.Throws<TorchException>(() => new AdamW([I64([1])]));
        Assert.That(integer!.Message, Does.Contain("params[0] must be a floating-point tensor"));

        var empty = Assert.Throws<TorchException>(() => new AdamW([]));
        Assert.That(empty!.Message, Does.Contain("at least one parameter"));

        var p = F32([1f]);
        p.RequiresGrad = true;
        var badLr = Assert.Throws<TorchException>(() => new AdamW([p], lr: -1));
        Assert.That(badLr!.Message, Does.Contain("learning rate"));
        Assert.That(badLr.Status, Is.EqualTo(1), "libtorch's own check");
    }

    [Test]
    public void ZeroGrad_ClearsEveryGradient()
    {
        var parameters = WithGrads([[1f, -2f], [3f]]);
        using var adamw = new AdamW(parameters);

        adamw.ZeroGrad();

        foreach (var p in parameters)
        {
            // libtorch 1.13 zeroes in place; 2.x drops the tensor (set_to_none): both clear the gradient.
            var grad = p.Grad;
            Assert.That(grad is null || grad.ToArray<float>().All(x => x == 0), Is.True);
        }
    }

    [Test]
    public void Dispose_FreesTheNativeOptimizer()
    {
        var managed = AdamW.Live;
        var native = AdamW.NativeLive;
        var adamw = new AdamW(WithGrads([[1f]]));
        Assert.That(AdamW.Live, Is.EqualTo(managed + 1));
        Assert.That(AdamW.NativeLive, Is.EqualTo(native + 1));

        adamw.Dispose();
        adamw.Dispose();

        Assert.That(adamw.IsDisposed, Is.True);
        Assert.That(AdamW.Live, Is.EqualTo(managed));
        Assert.That(AdamW.NativeLive, Is.EqualTo(native));
        // As for tensors (ErrorTests.UseAfterDispose_ThrowsObjectDisposed): the handle is gone, not the process.
        Assert.Throws<ObjectDisposedException>(adamw.Step);
    }

    [Test]
    public void New_ThrowsObjectDisposedForDisposedParameter()
    {
        var native = AdamW.NativeLive;
        var p = WithGrads([[1f]])[0];
        p.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new AdamW([p]));
        Assert.That(AdamW.NativeLive, Is.EqualTo(native));
    }

    private static float[] Uniform(Random rng, int n, double width) =>
        [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * width))];

    // Leaf parameters (zeros) whose .grad is g: backward of a leaf with an explicit gradient sets it.
    private static Tensor[] WithGrads(float[][] g)
    {
        var parameters = g.Select(x => Tensor.Zeros([x.Length])).ToArray();
        for (var i = 0; i < g.Length; i++)
        {
            parameters[i].RequiresGrad = true;
            parameters[i].Backward(F32(g[i]));
        }

        return parameters;
    }
}
