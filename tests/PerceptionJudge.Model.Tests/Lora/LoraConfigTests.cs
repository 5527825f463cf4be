using PerceptionJudge.Model.Lora;

namespace PerceptionJudge.Model.Tests.Lora;

/// <summary>PEFT's matching rules and LoraConfig validation; no libtorch needed.</summary>
[TestFixture]
public sealed class LoraConfigTests
{
    [TestCase("q_proj", true)]
    [TestCase("model.layers.0.self_attn.q_proj", true)]
    [TestCase("model.layers.0.self_attn.xq_proj", false)]
    [TestCase("model.layers.0.self_attn.q_proj.inner", false)]
    [TestCase("model.layers.0.mlp.up_proj", false)]
    public void NameList_MatchesExactNameOrDottedSuffix(string path, bool expected) =>
        Assert.That(ModulePattern.Of("q_proj", "v_proj").Matches(path), Is.EqualTo(expected));

    [Test]
    public void NameList_MatchesMultiComponentSuffix()
    {
        var p = ModulePattern.Of("self_attn.q_proj");
        Assert.That(p.Matches("model.layers.3.self_attn.q_proj"), Is.True);
        Assert.That(p.Matches("model.layers.3.cross_attn.q_proj"), Is.False);
    }

    [TestCase(".*visual.*", "visual.blocks.0.proj", true)]
    [TestCase(".*visual.*", "visual.merger", true)]
    [TestCase(".*visual.*", "model.layers.0.self_attn.q_proj", false)]
    [TestCase("q_proj", "model.layers.0.self_attn.q_proj", false)]
    [TestCase(@".*\.layers\.1\..*_proj", "model.layers.1.mlp.up_proj", true)]
    [TestCase(@".*\.layers\.1\..*_proj", "model.layers.10.mlp.up_proj", false)]
    public void Regex_IsAFullMatch(string pattern, string path, bool expected) =>
        Assert.That(ModulePattern.Regex(pattern).Matches(path), Is.EqualTo(expected));

    [Test]
    public void AllLinear_IsCaseInsensitiveAndMustBeExpanded()
    {
        Assert.That(ModulePattern.Regex("ALL-LINEAR").IsAllLinear, Is.True);
        Assert.Throws<InvalidOperationException>(() => ModulePattern.AllLinear.Matches("lm_head"));
    }

    [Test]
    public void Scaling_IsAlphaOverR_OrOverSqrtRWithRsLora()
    {
        var c = new LoraConfig { R = 16, LoraAlpha = 32, TargetModules = ModulePattern.Of("q_proj") };
        Assert.That(c.Scaling, Is.EqualTo(2.0));
        Assert.That((c with { UseRsLora = true }).Scaling, Is.EqualTo(8.0));
    }

    [Test]
    public void Defaults_ArePeftDefaults()
    {
        var c = new LoraConfig();
        Assert.That((c.R, c.LoraAlpha, c.LoraDropout, c.UseRsLora, c.Bias), Is.EqualTo((8, 8.0, 0.0, false, "none")));
    }

    [TestCase(0, 8, 0.0, "none", "'r'")]
    [TestCase(-4, 8, 0.0, "none", "'r'")]
    [TestCase(8, double.NaN, 0.0, "none", "'lora_alpha'")]
    [TestCase(8, 8, 1.0, "none", "'lora_dropout'")]
    [TestCase(8, 8, -0.1, "none", "'lora_dropout'")]
    [TestCase(8, 8, 0.0, "all", "'bias'")]
    [TestCase(8, 8, 0.0, "lora_only", "'bias'")]
    public void Validate_NamesTheBadField(int r, double alpha, double dropout, string bias, string field)
    {
        var c = new LoraConfig
        {
            R = r,
            LoraAlpha = alpha,
            LoraDropout = dropout,
            Bias = bias,
            TargetModules = ModulePattern.Of("q_proj"),
        };
        var e = Assert.Throws<ModelException>(() => c.Validate());
        Assert.That(e!.Message, Does.Contain(field));
    }

    [Test]
    public void Validate_RequiresTargetModules()
    {
        var e = Assert.Throws<ModelException>(() => new LoraConfig().Validate());
        Assert.That(e!.Item, Is.EqualTo("target_modules"));
        e = Assert.Throws<ModelException>(() => new LoraConfig { TargetModules = ModulePattern.Of() }.Validate());
        Assert.That(e!.Item, Is.EqualTo("target_modules"));
    }

    [Test]
    public void BadRegex_IsReportedWithThePattern()
    {
        var e = Assert.Throws<ArgumentException>(() => ModulePattern.Regex("(unclosed"));
        Assert.That(e!.Message, Does.Contain("(unclosed"));
    }
}
