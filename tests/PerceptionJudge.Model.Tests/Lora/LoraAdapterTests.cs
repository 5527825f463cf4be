using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

[TestFixture]
public sealed class LoraAdapterTests : LoraTorchTest
{
    private static readonly LoraConfig s_config = new()
    {
        R = 3,
        LoraAlpha = 6,
        TargetModules = ModulePattern.Of("proj"),
    };

    [Test]
    public void Forward_IsBasePlusScaledLowRankUpdate()
    {
        using var layer = new Linear(Tensor.Randn([5, 4], 1), Tensor.Randn([5], 2));
        using var adapter = new LoraAdapter(layer, s_config, 9);
        FillRandom(adapter.LoraB, 3);
        layer.Adapter = adapter;
        var x = Tensor.Randn([2, 3, 4], 4);
        var y = Values(layer.Forward(x));

        // Reference: y = x·Wᵀ + b + (α/r)·x·(B·A)ᵀ, ΔW materialised here on purpose.
        var deltaW = Ops.MatMul(adapter.LoraB, adapter.LoraA) * 2.0;
        var expected = Values(Ops.Linear(x, layer.Weight + deltaW, layer.Bias));
        AssertClose(y, expected, 1e-5);
    }

    [Test]
    public void Forward_RsLoraScalesByAlphaOverSqrtR()
    {
        using var layer = new Linear(Tensor.Randn([4, 4], 1));
        using var adapter = new LoraAdapter(layer, s_config with { R = 4, UseRsLora = true }, 9);
        Assert.That(adapter.Scaling, Is.EqualTo(3.0));
    }

    [Test]
    public void GradientsOfAdaptedForward_MatchFiniteDifferences()
    {
        using var layer = new Linear(Tensor.Randn([4, 5], 1, DType.Float64), Tensor.Randn([4], 2, DType.Float64));
        using var adapter = new LoraAdapter(layer, s_config, 9);
        Assert.That(adapter.LoraA.Dtype, Is.EqualTo(DType.Float64), "float64 base → float64 adapter");
        FillRandom(adapter.LoraB, 3);
        layer.Adapter = adapter;
        var x = Tensor.Randn([3, 5], 4, DType.Float64);
        x.RequiresGrad = true;
        var weights = Tensor.Randn([3, 4], 5, DType.Float64);

        double Loss()
        {
            using var scope = LibTorch.NewDisposeScope();
            using var noGrad = LibTorch.NoGrad();
            return Ops.Sum(layer.Forward(x) * weights).Item();
        }

        Ops.Sum(layer.Forward(x) * weights).Backward();
        foreach (var (name, tensor) in new[] { ("lora_A", adapter.LoraA), ("lora_B", adapter.LoraB), ("x", x) })
        {
            var analytic = tensor.Grad!.ToArray<double>();
            var data = tensor.AsSpan<double>();
            const double h = 1e-6;
            for (int i = 0; i < analytic.Length; i++)
            {
                double keep = data[i];
                tensor.AsSpan<double>()[i] = keep + h;
                double up = Loss();
                tensor.AsSpan<double>()[i] = keep - h;
                double down = Loss();
                tensor.AsSpan<double>()[i] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.That(analytic[i], Is.EqualTo(numeric).Within(1e-7 + 1e-6 * Math.Abs(numeric)), $"{name}[{i}]");
            }
        }
        Assert.That(layer.Weight.Grad, Is.Not.Null, "this standalone layer's weight is not frozen");
    }

    [Test]
    public void Dropout_ActsOnlyInTrainingMode()
    {
        using var layer = new Linear(Tensor.Randn([6, 6], 1));
        using var adapter = new LoraAdapter(layer, s_config with { LoraDropout = 0.5 }, 9);
        FillRandom(adapter.LoraB, 3);
        layer.Adapter = adapter;
        var x = Tensor.Randn([4, 6], 4);
        layer.Eval();
        var eval1 = Values(layer.Forward(x));
        Assert.That(Values(layer.Forward(x)), Is.EqualTo(eval1), "no dropout in eval mode");
        var deltaW = Ops.MatMul(adapter.LoraB, adapter.LoraA) * 2.0;
        AssertClose(eval1, Values(Ops.Linear(x, layer.Weight + deltaW)), 1e-5);
        layer.Train();
        LibTorch.ManualSeed(11);
        Assert.That(Values(layer.Forward(x)), Is.Not.EqualTo(eval1), "dropout changes the adapter input in training");
    }

    [Test]
    public void BFloat16Base_GetsFloat32AdapterAndKeepsItsOutputDtype()
    {
        using var layer = new Linear(Tensor.Randn([4, 4], 1).To(DType.BFloat16));
        using var adapter = new LoraAdapter(layer, s_config, 9);
        FillRandom(adapter.LoraB, 3);
        layer.Adapter = adapter;
        var y = layer.Forward(Tensor.Randn([2, 4], 4).To(DType.BFloat16));
        Assert.That(adapter.LoraA.Dtype, Is.EqualTo(DType.Float32));
        Assert.That(y.Dtype, Is.EqualTo(DType.BFloat16));
    }

    [Test]
    public void MergeThenUnmerge_RestoresWeight_AndMergedForwardEqualsAdapted()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, s_config with { TargetModules = ModulePattern.AllLinear });
        RandomiseAdapters(lora);
        lm.Eval();
        var x = Tensor.Randn([5, 8], 1);
        var img = Tensor.Randn([5, 8], 2);
        var adapted = Values(lm.Forward(x, img));
        var before = lora.Layers.Select(l => Values(l.Linear.Weight)).ToArray();

        lora.Merge();
        Assert.That(lora.Layers.Select(l => l.Adapter.Merged), Has.All.True);
        Assert.That(Values(lora.Layers[0].Linear.Weight), Is.Not.EqualTo(before[0]), "merge wrote W in place");
        AssertClose(Values(lm.Forward(x, img)), adapted, 1e-5, "merged forward");

        lora.Unmerge();
        for (int i = 0; i < before.Length; i++)
        {
            AssertClose(Values(lora.Layers[i].Linear.Weight), before[i], 1e-6, lora.Layers[i].Path);
        }
        // The restored weights differ from the originals by rounding (≤ 1e-6, checked above); through two linear
        // layers that reaches 1.19e-6 (5 ulp of 3.68) on libtorch 2.10's MKL matmul, so the bound is 2e-6.
        AssertClose(Values(lm.Forward(x, img)), adapted, 2e-6, "unmerged forward");
    }

    [Test]
    public void MergeAndUnload_ReturnsThePlainModelComputingTheAdaptedFunction()
    {
        using var lm = new TinyLm();
        var lora = LoraModel.Inject(lm, s_config with { TargetModules = ModulePattern.Of("q_proj", "down_proj") });
        RandomiseAdapters(lora);
        lm.Eval();
        var x = Tensor.Randn([5, 8], 1);
        var img = Tensor.Randn([5, 8], 2);
        var adapted = Values(lm.Forward(x, img));
        var plain = lora.MergeAndUnload();
        Assert.That(plain, Is.SameAs(lm));
        Assert.That(lm.NamedModules().Select(m => m.Module).OfType<Linear>().Select(l => l.Adapter), Has.All.Null);
        AssertClose(Values(lm.Forward(x, img)), adapted, 1e-5);
        lora.Dispose();
        AssertClose(Values(lm.Forward(x, img)), adapted, 1e-5, "disposing after unload leaves the merged weights");
    }

    [Test]
    public void DisableAdapters_GivesTheBaseOutput_AndNests()
    {
        using var lm = new TinyLm();
        var x = Tensor.Randn([5, 8], 1);
        var img = Tensor.Randn([5, 8], 2);
        var baseOut = Values(lm.Forward(x, img));
        using var lora = LoraModel.Inject(lm, s_config with { TargetModules = ModulePattern.AllLinear });
        RandomiseAdapters(lora);
        lm.Eval();
        var adapted = Values(lm.Forward(x, img));
        Assert.That(adapted, Is.Not.EqualTo(baseOut));
        using (lora.DisableAdapters())
        {
            Assert.That(Values(lm.Forward(x, img)), Is.EqualTo(baseOut));
            using (lora.DisableAdapters())
            {
                Assert.That(Values(lm.Forward(x, img)), Is.EqualTo(baseOut));
            }
            Assert.That(Values(lm.Forward(x, img)), Is.EqualTo(baseOut), "outer scope still open");
        }
        Assert.That(Values(lm.Forward(x, img)), Is.EqualTo(adapted));

        lora.Merge();
        using (lora.DisableAdapters())
        {
            AssertClose(Values(lm.Forward(x, img)), baseOut, 1e-6, "a merged model is unmerged first, as PEFT does");
        }
        Assert.That(lora.Layers.Select(l => l.Adapter.Merged), Has.All.False);
    }

    [Test]
    public void Merge_OfNonFloat32Weight_IsAClearError()
    {
        using var layer = new Linear(Tensor.Randn([4, 4], 1, DType.Float64));
        using var adapter = new LoraAdapter(layer, s_config, 9);
        var e = Assert.Throws<ModelException>(adapter.Merge);
        Assert.That(e!.Message, Does.Contain("float32"));
    }

    internal static void RandomiseAdapters(LoraModel lora, double scale = 0.3)
    {
        int seed = 100;
        foreach (var (_, t) in lora.NamedAdapterParameters())
        {
            FillRandom(t, seed++, scale);
        }
    }
}
