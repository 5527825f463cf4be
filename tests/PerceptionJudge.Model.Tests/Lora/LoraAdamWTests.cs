using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

[TestFixture]
public sealed class LoraAdamWTests : LoraTorchTest
{
    private static readonly float[] s_start = [1f, -2f, 0.5f];
    private static readonly float[] s_gradient = [0.1f, -0.3f, 2f];

    private static Tensor Param(float[]? values = null)
    {
        var p = Tensor.From<float>(values ?? s_start, 3);
        p.RequiresGrad = true;
        return p;
    }

    /// <summary>loss = Σ p·c, so grad = c.</summary>
    private static void Backward(Tensor p, float[]? c = null)
    {
        using var scope = LibTorch.NewDisposeScope();
        Ops.Sum(p * Tensor.From<float>(c ?? s_gradient, 3)).Backward();
    }

    /// <summary>
    /// Hand-derived: with a constant gradient g, m_t = (1−β1^t)·g and v_t = (1−β2^t)·g², so the bias-corrected
    /// moments are exactly g and g², and every AdamW step is p ← p·(1 − lr·wd) − lr·g / (|g| + eps).
    /// </summary>
    private static float[] ConstantGradientAdamW(float[] p0, float[] g, double lr, double wd, double eps, int steps)
    {
        var p = p0.Select(v => (double)v).ToArray();
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p[i] = p[i] * (1 - lr * wd) - lr * g[i] / (Math.Abs(g[i]) + eps);
            }
        }
        return [.. p.Select(v => (float)v)];
    }

    [Test]
    public void ThreeSteps_MatchTheHandComputedAdamWSequence()
    {
        using var p = Param();
        var options = new AdamWOptions(Lr: 0.1, WeightDecay: 0.01);
        var opt = new LoraAdamW([("p", p)], options);
        double[] expectedNorm = [Math.Sqrt(0.01 + 0.09 + 4)];
        for (int step = 1; step <= 3; step++)
        {
            opt.ZeroGrad();
            Backward(p);
            double norm = opt.Step();
            Assert.That(norm, Is.EqualTo(expectedNorm[0]).Within(1e-6), $"step {step} returns the grad norm");
            Assert.That(opt.StepCount, Is.EqualTo(step));
            AssertClose(p.ToArray<float>(), ConstantGradientAdamW(s_start, s_gradient, 0.1, 0.01, 1e-8, step), 2e-6);
        }
        // m_3 = (1 − 0.9³)·g, v_3 = (1 − 0.999³)·g²
        AssertClose(opt.ExpAvg(0).ToArray(), [.. s_gradient.Select(g => (float)(0.271 * g))], 1e-7);
        AssertClose(opt.ExpAvgSq(0).ToArray(), [.. s_gradient.Select(g => (float)(0.002997001 * g * g))], 1e-8);
    }

    [Test]
    public void Step_WritesLibTorchStorage_SeenByOps()
    {
        using var p = Param();
        var opt = new LoraAdamW([("p", p)], new AdamWOptions(Lr: 0.1, WeightDecay: 0));
        Backward(p);
        opt.Step();
        var viaOps = Ops.Mul(p, 1.0).ToArray<float>();
        var expected = ConstantGradientAdamW(s_start, s_gradient, 0.1, 0, 1e-8, 1);
        AssertClose(viaOps, expected, 1e-6);
        Assert.That(viaOps, Is.Not.EqualTo(s_start));
    }

    [Test]
    public void Clipping_ScalesTheGradient_AndReturnsThePreClipNorm()
    {
        using var p = Param();
        using var q = Param([3f, 3f, 3f]);
        var opt = new LoraAdamW([("p", p), ("q", q)], new AdamWOptions(Lr: 0.1, WeightDecay: 0, MaxGradNorm: 0.5));
        Backward(p);
        Backward(q, [0f, 0f, 0f]);
        double norm = opt.Step();
        Assert.That(norm, Is.EqualTo(Math.Sqrt(4.1)).Within(1e-6));
        // With one clipped step g' = k·g, m̂ = g', v̂ = g'²: p1 = p0 − lr·g'/(|g'| + eps).
        double k = 0.5 / (Math.Sqrt(4.1) + 1e-6);
        var scaled = s_gradient.Select(g => (float)(k * g)).ToArray();
        AssertClose(p.ToArray<float>(), ConstantGradientAdamW(s_start, scaled, 0.1, 0, 1e-8, 1), 2e-6);
        AssertClose(q.ToArray<float>(), [3f, 3f, 3f], 0, "zero gradient, zero decay: unchanged");
    }

    [Test]
    public void LoraParameters_OneFusedStepOverEveryAdapterTensor()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, new LoraConfig { R = 2, TargetModules = ModulePattern.AllLinear });
        var opt = new LoraAdamW(lora.NamedAdapterParameters(), new AdamWOptions(Lr: 0.01));
        Ops.Sum(lm.Forward(Tensor.Randn([4, 8], 1), Tensor.Randn([4, 8], 2))).Backward();
        var aBefore = Values(lora.Layers[0].Adapter.LoraA);
        opt.Step();
        Assert.That(opt.Names, Has.Count.EqualTo(2 * 10));
        Assert.That(Values(lora.Layers[0].Adapter.LoraB), Has.Some.Not.EqualTo(0f), "B moved off zero");
        Assert.That(Values(lora.Layers[0].Adapter.LoraA), Is.Not.EqualTo(aBefore), "weight decay moves A");
        Assert.That(lm.NamedParameters().Select(p => p.Tensor.Grad), Has.All.Null, "the frozen base gets no grads");
    }

    [Test]
    public void MissingGradient_NamesTheParameter_AndWritesNothing()
    {
        using var p = Param();
        using var q = Param();
        var opt = new LoraAdamW([("p", p), ("q", q)], new AdamWOptions());
        Backward(p);
        var e = Assert.Throws<ModelException>(() => opt.Step());
        Assert.That(e!.Item, Is.EqualTo("q"));
        Assert.That(e.Message, Does.Contain("no gradient"));
        Assert.That(p.ToArray<float>(), Is.EqualTo(s_start));
        Assert.That(opt.StepCount, Is.Zero);
    }

    [Test]
    public void NonFiniteGradient_NamesTheParameterAndStep_AndWritesNothing()
    {
        using var p = Param();
        using var q = Param();
        var opt = new LoraAdamW([("p", p), ("q", q)], new AdamWOptions());
        Backward(p);
        Backward(q, [1f, float.NaN, 0f]);
        var e = Assert.Throws<ModelException>(() => opt.Step());
        Assert.That(e!.Item, Is.EqualTo("q"));
        Assert.That(e.Message, Does.Contain("step 1").And.Contain("not finite"));
        Assert.That(p.ToArray<float>(), Is.EqualTo(s_start));
        Assert.That(opt.StepCount, Is.Zero);
    }

    [Test]
    public void BadParameters_AreRejectedByName()
    {
        using var f64 = Tensor.Zeros([3], DType.Float64);
        f64.RequiresGrad = true;
        var e = Assert.Throws<ModelException>(() => new LoraAdamW([("w64", f64)], new AdamWOptions()));
        Assert.That(e!.Item, Is.EqualTo("w64"));
        Assert.That(e.Message, Does.Contain("Float64"));

        using var frozen = Tensor.Zeros([3]);
        e = Assert.Throws<ModelException>(() => new LoraAdamW([("frozen", frozen)], new AdamWOptions()));
        Assert.That(e!.Item, Is.EqualTo("frozen"));

        using var wide = Tensor.Zeros([3, 4]);
        using var strided = wide.Transpose(0, 1).DetachFromDisposeScope();
        strided.RequiresGrad = true;
        e = Assert.Throws<ModelException>(() => new LoraAdamW([("t", strided)], new AdamWOptions()));
        Assert.That(e!.Message, Does.Contain("contiguous"));
    }

    [Test]
    public void StepAfterTheAdaptersAreFreed_IsAnErrorNotAWriteToFreedMemory()
    {
        using var lm = new TinyLm();
        var lora = LoraModel.Inject(lm, new LoraConfig { R = 2, TargetModules = ModulePattern.Of("q_proj") });
        var opt = new LoraAdamW(lora.NamedAdapterParameters(), new AdamWOptions());
        lora.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => opt.Step());
        Assert.That(e!.Message, Does.Contain("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
    }

    [Test]
    public void State_SavesAndLoads_SoAResumedRunMatches()
    {
        using var folder = new TempFolder();
        var options = new AdamWOptions(Lr: 0.05, WeightDecay: 0.1);
        using var straight = Param();
        var a = new LoraAdamW([("w", straight)], options);
        using var resumed = Param();
        var b = new LoraAdamW([("w", resumed)], options);
        for (int i = 0; i < 2; i++)
        {
            Backward(straight, [i + 1f, -1f, 0.25f]);
            a.Step();
            a.ZeroGrad();
            Backward(resumed, [i + 1f, -1f, 0.25f]);
            b.Step();
            b.ZeroGrad();
        }
        b.SaveState(folder.File("optimizer.safetensors"));
        var c = new LoraAdamW([("w", resumed)], options);
        c.LoadState(folder.File("optimizer.safetensors"));
        Assert.That(c.StepCount, Is.EqualTo(2));
        Backward(straight, [3f, -1f, 0.25f]);
        a.Step();
        Backward(resumed, [3f, -1f, 0.25f]);
        c.Step();
        Assert.That(resumed.ToArray<float>(), Is.EqualTo(straight.ToArray<float>()));

        var other = new LoraAdamW([("v", resumed)], options);
        var e = Assert.Throws<ModelException>(() => other.LoadState(folder.File("optimizer.safetensors")));
        Assert.That(e!.Item, Is.EqualTo("v.exp_avg"));
    }
}
