using System.Text.Json;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Loading;
using PerceptionJudge.Model.Tests.Lora;
using PerceptionJudge.Model.Tests.Nn;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.QwenVL;

/// <summary>
/// Both Qwen2-VL weight layouts (hub <c>model.*</c>, transformers ≥ 4.52 <c>model.language_model.*</c>), sharded bf16
/// checkpoints through the index, strict-load errors, PEFT keys and <see cref="DecoderShapes"/>.
/// </summary>
[TestFixture]
public sealed class QwenWeightLayoutTests : NnTest
{
    private static ModelConfig Text => Micro with { Vision = null, ImageTokenId = null };

    /// <summary>Rewrites every tensor of <paramref name="from"/> under <paramref name="rename"/>d names.</summary>
    private static void Rewrite(string from, string to, Func<string, string> rename, DType? dtype = null)
    {
        using var scope = LibTorch.NewDisposeScope();
        using var file = SafetensorsFile.Open(from);
        var writer = new SafetensorsWriter().AddMetadata("format", "pt");
        foreach (var info in file.Tensors)
        {
            var t = file.ToTensor(info.Name);
            writer.Add(rename(info.Name), dtype is { } d ? t.To(d) : t);
        }
        writer.Save(to);
    }

    [Test]
    public void NewLayoutNames_LoadIntoTheHubModules_AndTheReportListsThem()
    {
        using var folder = new TempFolder();
        using var saved = VisionLanguageModel.Create(Text, seed: 1);
        saved.SavePretrained(folder.Path);
        var file = folder.File(SafetensorsCheckpoint.SingleFileName);
        Rewrite(file, file, n => n.StartsWith("model.", StringComparison.Ordinal) ? "model.language_model." + n[6..] : n);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        Assert.That(checkpoint.Names, Has.All.Not.StartWith("model.layers"), "test setup");
        using var fresh = VisionLanguageModel.Create(Text, seed: 2);
        var report = fresh.LoadWeights(checkpoint);
        Assert.Multiple(() =>
        {
            Assert.That(report.IsExact);
            Assert.That(report.Renamed, Has.Count.EqualTo(checkpoint.Names.Count - 1), "all but lm_head");
            Assert.That(report.Renamed, Has.Some.EqualTo("model.language_model.norm.weight -> model.norm.weight"));
            foreach (var ((name, a), (_, b)) in saved.NamedParameters().Zip(fresh.NamedParameters()))
            {
                Assert.That(Values(b), Is.EqualTo(Values(a)), name);
            }
        });
        using var again = new TempFolder();
        fresh.SavePretrained(again.Path);
        using var resaved = SafetensorsCheckpoint.Open(again.Path);
        Assert.That(resaved.Names, Has.Some.StartWith("model.layers."), "saving writes the hub layout");
    }

    [Test]
    public void BothLayoutsInOneFile_AreAnErrorNamingBoth()
    {
        using var folder = new TempFolder();
        var writer = new SafetensorsWriter()
            .Add("model.norm.weight", new float[] { 1 }, 1)
            .Add("model.language_model.norm.weight", new float[] { 1 }, 1);
        writer.Save(folder.File(SafetensorsCheckpoint.SingleFileName));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        using var model = VisionLanguageModel.Create(Text, seed: 2);
        var e = Assert.Throws<ModelException>(() => model.LoadWeights(checkpoint));
        Assert.That(e!.Message, Does.Contain("model.norm.weight").And.Contain("model.language_model.norm.weight"));
    }

    [Test]
    public void StrictLoad_NamesEveryMissingUnexpectedAndMisshapedTensor()
    {
        using var folder = new TempFolder();
        using (var saved = VisionLanguageModel.Create(Text, seed: 1))
        {
            saved.SavePretrained(folder.Path);
        }
        var file = folder.File(SafetensorsCheckpoint.SingleFileName);
        using (var scope = LibTorch.NewDisposeScope())
        {
            using var source = SafetensorsFile.Open(file);
            var writer = new SafetensorsWriter();
            foreach (var info in source.Tensors.Where(t => t.Name != "model.layers.1.mlp.up_proj.weight"))
            {
                var t = source.ToTensor(info.Name);
                var name = "model.language_model." + info.Name["model.".Length..];
                writer.Add(info.Name.StartsWith("model.", StringComparison.Ordinal) ? name : info.Name,
                    info.Name == "model.norm.weight" ? Tensor.Zeros([5]) : t);
            }
            writer.Add("model.language_model.layers.9.extra.weight", Tensor.Zeros([2]));
            writer.Save(folder.File("new.safetensors"));
        }
        File.Delete(file);
        File.Move(folder.File("new.safetensors"), file);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        using var model = VisionLanguageModel.Create(Text, seed: 2);
        var e = Assert.Throws<ModelException>(() => model.LoadWeights(checkpoint));
        Assert.That(e!.Message, Does.Contain("shape mismatch: model.language_model.norm.weight: checkpoint [5], model [32]")
            .And.Contain("missing from the checkpoint: model.layers.1.mlp.up_proj.weight")
            .And.Contain("unexpected in the checkpoint: model.language_model.layers.9.extra.weight"));
    }

    [Test]
    public void TwoShardBf16Checkpoint_LoadsThroughTheIndex()
    {
        using var folder = new TempFolder();
        using var saved = VisionLanguageModel.Create(Text, seed: 1);
        saved.SavePretrained(folder.Path);
        var single = folder.File(SafetensorsCheckpoint.SingleFileName);
        string[] shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
        var weightMap = new Dictionary<string, string>();
        using (var scope = LibTorch.NewDisposeScope())
        using (var source = SafetensorsFile.Open(single))
        {
            var writers = new[] { new SafetensorsWriter(), new SafetensorsWriter() };
            var names = source.Tensors.Select(t => t.Name).ToList();
            for (var i = 0; i < names.Count; i++)
            {
                var shard = i < names.Count / 2 ? 0 : 1;
                writers[shard].Add(names[i], source.ToTensor(names[i]).To(DType.BFloat16));
                weightMap[names[i]] = shards[shard];
            }
            writers[0].Save(folder.File(shards[0]));
            writers[1].Save(folder.File(shards[1]));
        }
        File.Delete(single);
        File.WriteAllText(folder.File(SafetensorsCheckpoint.IndexFileName),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
        using var loaded = VisionLanguageModel.FromPretrained(folder.Path);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        Assert.That(checkpoint.Shards, Has.Count.EqualTo(2));
        foreach (var ((name, a), (_, b)) in saved.NamedParameters().Zip(loaded.NamedParameters()))
        {
            using var rounded = a.Detach().To(DType.BFloat16).To(DType.Float32);
            Assert.That(Values(b), Is.EqualTo(Values(rounded)), name);
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void DecoderShapes_AreTheModelsParameters(bool tied)
    {
        var config = Text with { TieWordEmbeddings = tied };
        using var model = VisionLanguageModel.Create(config, seed: 1);
        var expected = DecoderShapes.Expected(config).Select(e => (e.Name, string.Join(",", e.Shape)));
        var actual = model.NamedParameters().Select(p => (p.Name, string.Join(",", p.Tensor.Shape)));
        Assert.That(expected, Is.EquivalentTo(actual));
    }

    [Test]
    public void PeftKeys_OfTheNewLayout_LoadIntoTheHubModules()
    {
        using var folder = new TempFolder();
        var config = new LoraConfig { R = 2, LoraAlpha = 4, TargetModules = ModulePattern.AllLinear };
        float[] expected;
        using (var lm = new TinyLm())
        using (var lora = LoraModel.Inject(lm, config, seed: 5))
        {
            LoraAdapterTests.RandomiseAdapters(lora);
            lm.Eval();
            expected = Values(lm.Forward(Tensor.Randn([3, 8], 1), Tensor.Randn([3, 8], 2)));
            PeftAdapter.Save(lora, folder.Path);
        }
        var file = Path.Combine(folder.Path, PeftAdapter.WeightsFileName);
        Rewrite(file, file, n => n
            .Replace("base_model.model.model.", "base_model.model.model.language_model.", StringComparison.Ordinal)
            .Replace("base_model.model.visual.", "base_model.model.model.visual.", StringComparison.Ordinal));
        using (var renamed = SafetensorsFile.Open(file))
        {
            Assert.That(renamed.Tensors.Select(t => t.Name), Has.Some.StartWith("base_model.model.model.language_model."),
                "test setup");
        }
        using var fresh = new TinyLm();
        using var loaded = PeftAdapter.Load(fresh, folder.Path);
        fresh.Eval();
        Assert.That(Values(fresh.Forward(Tensor.Randn([3, 8], 1), Tensor.Randn([3, 8], 2))), Is.EqualTo(expected));
        Assert.That(PeftAdapter.HubKey("base_model.model.model.language_model.layers.3.self_attn.q_proj.lora_A.weight"),
            Is.EqualTo("base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight"));
    }
}
