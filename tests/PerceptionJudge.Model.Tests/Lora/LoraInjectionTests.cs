using PerceptionJudge.Model.Lora;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

[TestFixture]
public sealed class LoraInjectionTests : LoraTorchTest
{
    private static LoraConfig Config(ModulePattern targets, ModulePattern? exclude = null) =>
        new() { R = 2, LoraAlpha = 4, TargetModules = targets, ExcludeModules = exclude };

    [Test]
    public void AllLinear_TakesEveryLinearButLmHead()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, Config(ModulePattern.AllLinear));
        var paths = lora.Layers.Select(l => l.Path).ToArray();
        Assert.That(paths, Is.EqualTo(TinyLm.LinearPaths.Where(p => p != "lm_head")));
        Assert.That(lm.LmHead.Adapter, Is.Null);
        Assert.That(lora.Config.TargetModules!.Names, Is.EqualTo(paths), "all-linear is saved expanded, as PEFT does");
    }

    [Test]
    public void ExcludeRegex_DropsTheVisionTower()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, Config(ModulePattern.AllLinear, ModulePattern.Regex(".*visual.*")));
        Assert.That(lora.MatchedModuleCount, Is.EqualTo(8));
        Assert.That(lora.Layers.Select(l => l.Path), Has.None.StartsWith("visual."));
        Assert.That(lm.VisualProj.Adapter, Is.Null);
        Assert.That(lm.Merger.Adapter, Is.Null);
    }

    [Test]
    public void NameList_MatchesSuffixesAndExcludeListWorksTheSameWay()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(
            lm, Config(ModulePattern.Of("q_proj", "v_proj", "proj"), ModulePattern.Of("layers.1.self_attn.v_proj")));
        Assert.That(lora.Layers.Select(l => l.Path), Is.EqualTo(new[]
        {
            "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj",
            "visual.blocks.0.proj",
        }));
    }

    [Test]
    public void Inject_FreezesTheBaseAndListsPeftKeys()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, Config(ModulePattern.Of("q_proj")));
        Assert.That(lm.NamedParameters().Select(p => p.Tensor.RequiresGrad), Has.All.False);
        var names = lora.NamedAdapterParameters().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[]
        {
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
            "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
        }));
        Assert.That(lora.NamedAdapterParameters().Select(p => p.Tensor.RequiresGrad), Has.All.True);
        var a = lora.Layers[0].Adapter;
        Assert.That(a.LoraA.Shape, Is.EqualTo(new long[] { 2, 8 }));
        Assert.That(a.LoraB.Shape, Is.EqualTo(new long[] { 8, 2 }));
        Assert.That(lora.AdapterParameterCount(), Is.EqualTo(2 * (16 + 16)));
    }

    [Test]
    public void Dispose_RemovesAdaptersAndRestoresRequiresGrad()
    {
        using var lm = new TinyLm();
        var lora = LoraModel.Inject(lm, Config(ModulePattern.AllLinear));
        lora.Dispose();
        Assert.That(lm.Blocks[0].Q.Adapter, Is.Null);
        Assert.That(lm.NamedParameters().Select(p => p.Tensor.RequiresGrad), Has.All.True);
        using var again = LoraModel.Inject(lm, Config(ModulePattern.Of("q_proj")));
        Assert.That(again.MatchedModuleCount, Is.EqualTo(2));
    }

    [Test]
    public void InitialA_IsKaimingUniformWithASqrt5_AndSeeded()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, Config(ModulePattern.Of("up_proj")) with { R = 64 }, seed: 3);
        var a = Values(lora.Layers[0].Adapter.LoraA);
        double bound = 1 / Math.Sqrt(8);
        Assert.That(a.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.8 * bound));
        Assert.That(a.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.8 * bound));
        Assert.That(Values(lora.Layers[0].Adapter.LoraB), Has.All.EqualTo(0f));
        Assert.That(a, Is.Not.EqualTo(Values(lora.Layers[1].Adapter.LoraA)), "each adapter has its own stream");

        using var lm2 = new TinyLm();
        using var lora2 = LoraModel.Inject(lm2, Config(ModulePattern.Of("up_proj")) with { R = 64 }, seed: 3);
        Assert.That(Values(lora2.Layers[0].Adapter.LoraA), Is.EqualTo(a), "same seed, same A");
    }

    [Test]
    public void NoMatch_IsAnErrorShowingRealPaths()
    {
        using var lm = new TinyLm();
        var e = Assert.Throws<ModelException>(() => LoraModel.Inject(lm, Config(ModulePattern.Of("qkv"))));
        Assert.That(e!.Item, Is.EqualTo("target_modules"));
        Assert.That(e.Message, Does.Contain("not found").And.Contain("model.layers.0.self_attn.q_proj"));
        Assert.That(lm.NamedParameters().Select(p => p.Tensor.RequiresGrad), Has.All.True, "nothing changed");
    }

    [Test]
    public void EverythingExcluded_SaysSo()
    {
        using var lm = new TinyLm();
        var e = Assert.Throws<ModelException>(
            () => LoraModel.Inject(lm, Config(ModulePattern.Of("merger"), ModulePattern.Regex(".*visual.*"))));
        Assert.That(e!.Message, Does.Contain("excluded"));
    }

    [Test]
    public void MatchingANonLinear_IsAnError()
    {
        using var lm = new TinyLm();
        var e = Assert.Throws<ModelException>(() => LoraModel.Inject(lm, Config(ModulePattern.Of("mlp"))));
        Assert.That(e!.Message, Does.Contain("model.layers.0.mlp").And.Contain("only Linear"));
        Assert.That(lm.Blocks[0].Q.Adapter, Is.Null);
    }

    [Test]
    public void InjectingTwice_IsAnError()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, Config(ModulePattern.Of("q_proj")));
        var e = Assert.Throws<ModelException>(() => LoraModel.Inject(lm, Config(ModulePattern.Of("q_proj"))));
        Assert.That(e!.Message, Does.Contain("already carries an adapter"));
    }

    [Test]
    public void AtInit_BIsZero_SoTheOutputEqualsTheBase()
    {
        using var lm = new TinyLm();
        var x = Tensor.Randn([5, 8], 1);
        var img = Tensor.Randn([5, 8], 2);
        var expected = Values(lm.Forward(x, img));
        using var lora = LoraModel.Inject(lm, Config(ModulePattern.AllLinear) with { LoraDropout = 0.3 });
        lm.Eval();
        Assert.That(Values(lm.Forward(x, img)), Is.EqualTo(expected));
        lm.Train();
        Assert.That(Values(lm.Forward(x, img)), Is.EqualTo(expected), "B = 0: dropout on the adapter is invisible");
    }
}
