using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>Seeded init, save → load round trips and strict loading errors that name the tensors.</summary>
[TestFixture]
public sealed class WeightsTests : NnTest, IDisposable
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    public void Dispose() => _folder?.Dispose();

    [Test]
    public void Init_IsReproducibleForASeedAndHfLike()
    {
        using var a = VisionLanguageModel.Create(Micro, 42);
        using var b = VisionLanguageModel.Create(Micro, 42);
        using var c = VisionLanguageModel.Create(Micro, 43);
        var pa = a.NamedParameters().ToList();
        var pb = b.NamedParameters().ToList();
        var pc = c.NamedParameters().ToList();
        for (var i = 0; i < pa.Count; i++)
        {
            Assert.That(Values(pa[i].Tensor), Is.EqualTo(Values(pb[i].Tensor)), pa[i].Name);
        }
        const string Q = "model.layers.0.self_attn.q_proj.weight";
        var q = Values(pa.First(p => p.Name == Q).Tensor);
        Assert.That(q, Is.Not.EqualTo(Values(pc.First(p => p.Name == Q).Tensor)));
        var std = Math.Sqrt(q.Select(v => (double)v * v).Average());
        Assert.That(std, Is.EqualTo(0.02).Within(0.003), "weights ~ N(0, initializer_range²)");
        Assert.That(Values(pa.First(p => p.Name == "model.norm.weight").Tensor), Is.All.EqualTo(1f));
        Assert.That(Values(pa.First(p => p.Name == "model.layers.0.self_attn.k_proj.bias").Tensor), Is.All.EqualTo(0f));
    }

    [Test]
    public void SaveThenLoad_GivesIdenticalOutputs()
    {
        using var model = VisionLanguageModel.Create(Micro, 9);
        model.SavePretrained(_folder.Path);
        using var loaded = VisionLanguageModel.FromPretrained(_folder.Path);
        var ids = Ids([5, 3, 3, 3, 3, 9, 10, 11], 1);
        var pixels = Tensor.Rand([1, 3, 8, 8], 1);
        Assert.That(MaxAbsDiff(loaded.Forward(ids, pixelValues: pixels), model.Forward(ids, pixelValues: pixels)),
            Is.EqualTo(0));
        Assert.That(loaded.Config, Is.EqualTo(Micro));
    }

    [Test]
    public void SaveAsBFloat16_LoadsIntoFloat32WithinBf16Rounding()
    {
        using var model = VisionLanguageModel.Create(Micro with { TieWordEmbeddings = true }, 10);
        model.SavePretrained(_folder.Path, DType.BFloat16);
        using (var checkpoint = SafetensorsCheckpoint.Open(_folder.Path))
        {
            Assert.That(checkpoint.Info("model.embed_tokens.weight").DType, Is.EqualTo(SafetensorsDType.BF16));
            Assert.That(checkpoint.Contains("lm_head.weight"), Is.False, "a tied head is not saved");
        }
        using var loaded = VisionLanguageModel.FromPretrained(_folder.Path);
        foreach (var ((name, original), (_, restored)) in model.NamedParameters().Zip(loaded.NamedParameters()))
        {
            Assert.That(restored.Dtype, Is.EqualTo(DType.Float32));
            AssertClose(restored, original.To(DType.BFloat16), 0, name);
        }
    }

    [Test]
    public void StrictLoad_NamesMissingUnexpectedAndMisshapedTensors()
    {
        using var model = VisionLanguageModel.Create(Micro, 11);
        var writer = new SafetensorsWriter();
        foreach (var (name, tensor) in model.NamedParameters())
        {
            if (name == "model.layers.1.mlp.up_proj.weight")
            {
                continue;
            }
            writer.Add(name, name == "model.norm.weight" ? Tensor.Ones([31]) : tensor);
        }
        writer.Add("model.layers.9.extra.weight", Tensor.Ones([2]));
        writer.Add("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.Ones([4])); // old HF buffer: ignored
        var path = _folder.File("bad.safetensors");
        writer.Save(path);
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        var before = Values(model.Model.Norm.Weight);
        var e = Assert.Throws<ModelException>(() => model.LoadWeights(checkpoint));
        Assert.That(e!.Message, Does.Contain("model.layers.1.mlp.up_proj.weight")
            .And.Contain("model.layers.9.extra.weight")
            .And.Contain("model.norm.weight: checkpoint [31], model [32]")
            .And.Not.Contain("inv_freq"));
        Assert.That(Values(model.Model.Norm.Weight), Is.EqualTo(before), "nothing is copied when loading fails");
        // Non-strict still refuses a shape mismatch.
        Assert.Throws<ModelException>(() => model.LoadWeights(checkpoint, strict: false));
    }

    [Test]
    public void NonStrictLoad_ReportsMissingAndUnexpectedAndLoadsTheRest()
    {
        using var source = VisionLanguageModel.Create(Micro with { Vision = null, ImageTokenId = null }, 12);
        source.SavePretrained(_folder.Path);
        using var model = VisionLanguageModel.Create(Micro, 13);
        using var checkpoint = SafetensorsCheckpoint.Open(_folder.Path);
        Assert.Throws<ModelException>(() => model.LoadWeights(checkpoint));
        var report = model.LoadWeights(checkpoint, strict: false);
        Assert.That(report.Missing, Is.Not.Empty.And.All.StartsWith("visual."));
        Assert.That(report.Unexpected, Is.Empty);
        Assert.That(report.Loaded, Has.Count.EqualTo(source.NamedParameters().Count()));
        Assert.That(Values(model.Model.EmbedTokens.Weight), Is.EqualTo(Values(source.Model.EmbedTokens.Weight)));
    }
}
