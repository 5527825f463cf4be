using System.Text.Json;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

[TestFixture]
public sealed class PeftAdapterTests : LoraTorchTest
{
    private static readonly LoraConfig s_config = new()
    {
        R = 4,
        LoraAlpha = 16,
        LoraDropout = 0.05,
        TargetModules = ModulePattern.AllLinear,
        ExcludeModules = ModulePattern.Regex(".*visual.*"),
        BaseModelNameOrPath = "Qwen/Qwen2-VL-2B-Instruct",
    };

    private static readonly string[] s_peftFields =
    [
        "alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "eva_config", "exclude_modules",
        "fan_in_fan_out", "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern",
        "layers_to_transform", "loftq_config", "lora_alpha", "lora_bias", "lora_dropout", "megatron_config",
        "megatron_core", "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules",
        "task_type", "use_dora", "use_rslora",
    ];

    private static (float[] Output, string Folder) SaveTrained(TempFolder folder, LoraConfig config)
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, config, seed: 5);
        LoraAdapterTests.RandomiseAdapters(lora);
        lm.Eval();
        var output = Values(lm.Forward(Tensor.Randn([3, 8], 1), Tensor.Randn([3, 8], 2)));
        PeftAdapter.Save(lora, folder.Path);
        return (output, folder.Path);
    }

    [Test]
    public void SaveThenLoadIntoAFreshModel_GivesIdenticalOutputs()
    {
        using var folder = new TempFolder();
        var (expected, path) = SaveTrained(folder, s_config);
        using var fresh = new TinyLm();
        using var loaded = PeftAdapter.Load(fresh, path);
        fresh.Eval();
        Assert.That(loaded.MatchedModuleCount, Is.EqualTo(8));
        Assert.That(Values(fresh.Forward(Tensor.Randn([3, 8], 1), Tensor.Randn([3, 8], 2))), Is.EqualTo(expected));
        Assert.That(Directory.GetFiles(path).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "adapter_config.json", "adapter_model.safetensors" }), "no temp files left");
    }

    [Test]
    public void AdapterFile_HoldsFloat32PeftKeysWithoutAdapterName()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        using var file = SafetensorsFile.Open(folder.File(PeftAdapter.WeightsFileName));
        Assert.That(file.Tensors, Has.Count.EqualTo(16));
        Assert.That(file.Tensors.Select(t => t.DType), Has.All.EqualTo(SafetensorsDType.F32));
        Assert.That(file.Contains("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"), Is.True);
        Assert.That(file.Info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").Shape,
            Is.EqualTo(new long[] { 4, 12 }));
        Assert.That(file.Info("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").Shape,
            Is.EqualTo(new long[] { 8, 4 }));
        Assert.That(file.Tensors.Select(t => t.Name), Has.None.Contains(".default."));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
    }

    [Test]
    public void ConfigJson_HasPeftsFieldsSortedWithPeftsValues()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        var text = File.ReadAllText(folder.File("adapter_config.json"));
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        var keys = root.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(keys, Is.EqualTo(s_peftFields), "PEFT writes sort_keys=True");
        Assert.That(root.GetProperty("peft_type").GetString(), Is.EqualTo("LORA"));
        Assert.That(root.GetProperty("task_type").GetString(), Is.EqualTo("CAUSAL_LM"));
        Assert.That(root.GetProperty("r").GetInt32(), Is.EqualTo(4));
        Assert.That(root.GetProperty("lora_alpha").GetRawText(), Is.EqualTo("16"));
        Assert.That(root.GetProperty("lora_dropout").GetDouble(), Is.EqualTo(0.05));
        Assert.That(root.GetProperty("bias").GetString(), Is.EqualTo("none"));
        Assert.That(root.GetProperty("fan_in_fan_out").GetBoolean(), Is.False);
        Assert.That(root.GetProperty("init_lora_weights").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("use_rslora").GetBoolean(), Is.False);
        Assert.That(root.GetProperty("modules_to_save").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("exclude_modules").GetString(), Is.EqualTo(".*visual.*"));
        Assert.That(root.GetProperty("base_model_name_or_path").GetString(), Is.EqualTo("Qwen/Qwen2-VL-2B-Instruct"));
        Assert.That(root.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()),
            Is.EqualTo(TinyLm.LinearPaths.Where(p => p != "lm_head")), "all-linear saved expanded, as PEFT does");
    }

    [Test]
    public void PeftWrittenConfig_IsRead()
    {
        // Shaped like a file PEFT 0.13 writes for a Qwen2 LoRA (fields this engine ignores included).
        const string json = """
            {"alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "Qwen/Qwen2-0.5B", "bias": "none",
             "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "layer_replication": null,
             "layers_pattern": null, "layers_to_transform": null, "loftq_config": {}, "lora_alpha": 32,
             "lora_dropout": 0.1, "megatron_config": null, "megatron_core": "megatron.core", "modules_to_save": null,
             "peft_type": "LORA", "r": 16, "rank_pattern": {}, "revision": null,
             "target_modules": ["v_proj", "q_proj"], "task_type": "CAUSAL_LM", "use_dora": false, "use_rslora": true}
            """;
        var c = PeftConfigJson.Parse(json);
        Assert.That((c.R, c.LoraAlpha, c.LoraDropout, c.UseRsLora), Is.EqualTo((16, 32.0, 0.1, true)));
        Assert.That(c.TargetModules!.Names, Is.EqualTo(new[] { "v_proj", "q_proj" }));
        Assert.That(c.ExcludeModules, Is.Null);
        var regex = PeftConfigJson.Parse(json.Replace("[\"v_proj\", \"q_proj\"]", "\".*_proj\""));
        Assert.That(regex.TargetModules!.Pattern, Is.EqualTo(".*_proj"));
    }

    [TestCase("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "peft_type")]
    [TestCase("\"r\": 4", "\"r\": \"eight\"", "r")]
    [TestCase("\"r\": 4", "\"r\": 0", "r")]
    [TestCase("\"bias\": \"none\"", "\"bias\": \"all\"", "bias")]
    [TestCase("\"use_dora\": false", "\"use_dora\": true", "use_dora")]
    [TestCase("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save")]
    [TestCase("\"rank_pattern\": {}", "\"rank_pattern\": {\"q_proj\": 8}", "rank_pattern")]
    [TestCase("\"lora_dropout\": 0.05", "\"lora_dropout\": 1.5", "lora_dropout")]
    [TestCase("\"exclude_modules\": \".*visual.*\"", "\"exclude_modules\": 3", "exclude_modules")]
    public void BadConfig_NamesTheField(string field, string replacement, string item)
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        var file = folder.File("adapter_config.json");
        var text = File.ReadAllText(file).Replace(field.Replace(" ", ""), field).Replace(field, replacement);
        Assert.That(text, Does.Contain(replacement), "the test edits the field");
        File.WriteAllText(file, text);
        using var fresh = new TinyLm();
        var e = Assert.Throws<ModelException>(() => PeftAdapter.Load(fresh, folder.Path));
        Assert.That(e!.Item, Is.EqualTo(item));
        Assert.That(e.File, Does.EndWith("adapter_config.json"));
        Assert.That(fresh.Blocks[0].Q.Adapter, Is.Null, "a failed load leaves the model as it was");
    }

    [Test]
    public void MissingTensor_IsNamed()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        const string dropped = "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight";
        Rewrite(folder, (name, data, shape, writer) =>
        {
            if (name != dropped)
            {
                writer.Add(name, data, shape);
            }
        });
        using var fresh = new TinyLm();
        var e = Assert.Throws<ModelException>(() => PeftAdapter.Load(fresh, folder.Path));
        Assert.That(e!.Item, Is.EqualTo(dropped));
        Assert.That(e.Message, Does.Contain("missing"));
    }

    [Test]
    public void WrongShape_IsNamedWithBothShapes()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        const string bad = "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight";
        Rewrite(folder, (name, data, shape, writer) =>
            writer.Add(name, name == bad ? data[..^8] : data, name == bad ? [3, 8] : shape));
        using var fresh = new TinyLm();
        var e = Assert.Throws<ModelException>(() => PeftAdapter.Load(fresh, folder.Path));
        Assert.That(e!.Item, Is.EqualTo(bad));
        Assert.That(e.Message, Does.Contain("[3, 8]").And.Contain("[4, 8]"));
    }

    [Test]
    public void NonFiniteValues_AreNamed()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        const string bad = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
        Rewrite(folder, (name, data, shape, writer) =>
        {
            if (name == bad)
            {
                data[3] = float.PositiveInfinity;
            }
            writer.Add(name, data, shape);
        });
        using var fresh = new TinyLm();
        var e = Assert.Throws<ModelException>(() => PeftAdapter.Load(fresh, folder.Path));
        Assert.That(e!.Item, Is.EqualTo(bad));
    }

    [Test]
    public void InMemoryKeysWithAdapterName_AreExplained()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        Rewrite(folder, (name, data, shape, writer) =>
            writer.Add(name.Replace(".lora_A.weight", ".lora_A.default.weight"), data, shape));
        using var fresh = new TinyLm();
        var e = Assert.Throws<ModelException>(() => PeftAdapter.Load(fresh, folder.Path));
        Assert.That(e!.Message, Does.Contain(".default"));
    }

    [Test]
    public void LoadingIntoADifferentTargetSet_IsAClearError()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config with { TargetModules = ModulePattern.Of("q_proj"), ExcludeModules = null });
        using var other = new TinyLm();
        using var lora = LoraModel.Inject(other, s_config);
        var e = Assert.Throws<ModelException>(() => PeftAdapter.LoadWeights(lora, folder.Path));
        Assert.That(e!.Item, Is.EqualTo("base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight"));
        Assert.That(e.Message, Does.Contain("another set of target modules"));

        using var rank8 = new TinyLm();
        using var lora8 = LoraModel.Inject(rank8, s_config with { R = 8, TargetModules = ModulePattern.Of("q_proj") });
        e = Assert.Throws<ModelException>(() => PeftAdapter.LoadWeights(lora8, folder.Path));
        Assert.That(e!.Item, Is.EqualTo("r"));
    }

    [Test]
    public void MissingWeightsFile_IsNamed()
    {
        using var folder = new TempFolder();
        SaveTrained(folder, s_config);
        File.Delete(folder.File(PeftAdapter.WeightsFileName));
        using var fresh = new TinyLm();
        var e = Assert.Throws<ModelException>(() => PeftAdapter.Load(fresh, folder.Path));
        Assert.That(e!.File, Does.EndWith(PeftAdapter.WeightsFileName));
    }

    private static void Rewrite(TempFolder folder, Action<string, float[], long[], SafetensorsWriter> add)
    {
        var path = folder.File(PeftAdapter.WeightsFileName);
        var writer = new SafetensorsWriter();
        using (var file = SafetensorsFile.Open(path))
        {
            foreach (var info in file.Tensors)
            {
                add(info.Name, file.GetSpan<float>(info.Name).ToArray(), info.Shape, writer);
            }
        }
        writer.Save(path);
    }
}
