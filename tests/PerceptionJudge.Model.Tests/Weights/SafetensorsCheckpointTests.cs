using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Weights;

/// <summary>Sharded folders, the FsCheck round trip, and the libtorch bridge.</summary>
[TestFixture]
public sealed class SafetensorsCheckpointTests : IDisposable
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    public void Dispose() => _folder?.Dispose();

    [Test]
    public void Sharded_LoadsTensorsAcrossShards()
    {
        WriteShards();
        using var checkpoint = SafetensorsCheckpoint.Open(_folder.Path);
        Assert.Multiple(() =>
        {
            Assert.That(checkpoint.Shards, Has.Count.EqualTo(2));
            Assert.That(
                checkpoint.Names,
                Is.EqualTo(new[] { "lm_head.weight", "model.embed_tokens.weight", "model.norm.weight" }));
            Assert.That(checkpoint.GetSpan<float>("model.embed_tokens.weight").ToArray(), Is.EqualTo(new[] { 1f, 2f }));
            Assert.That(checkpoint.GetSpan<float>("lm_head.weight").ToArray(), Is.EqualTo(new[] { 3f, 4f }));
            Assert.That(checkpoint.Info("model.norm.weight").DType, Is.EqualTo(SafetensorsDType.BF16));
            var e = Assert.Throws<ModelException>(() => checkpoint.GetBytes("missing.weight"));
            Assert.That(e!.Item, Is.EqualTo("missing.weight"));
        });
    }

    [Test]
    public void Sharded_ThrowsWhenShardFileIsMissing()
    {
        WriteShards();
        File.Delete(_folder.File("model-00002-of-00002.safetensors"));
        var e = Assert.Throws<ModelException>(() => SafetensorsCheckpoint.Open(_folder.Path));
        Assert.That(e!.Message, Does.Contain("model-00002-of-00002.safetensors").And.Contain("does not exist"));
        Assert.That(e.File, Does.EndWith(SafetensorsCheckpoint.IndexFileName));
    }

    [Test]
    public void Sharded_ThrowsWhenWeightMapPointsAtWrongShard()
    {
        WriteShards(index: "{\"weight_map\":{\"model.embed_tokens.weight\":\"model-00002-of-00002.safetensors\"," +
            "\"lm_head.weight\":\"model-00002-of-00002.safetensors\"," +
            "\"model.norm.weight\":\"model-00002-of-00002.safetensors\"}}");
        var e = Assert.Throws<ModelException>(() => SafetensorsCheckpoint.Open(_folder.Path));
        Assert.That(e!.Item, Is.EqualTo("model.embed_tokens.weight"));
    }

    [TestCase("{\"metadata\":{}}", "weight_map")]
    [TestCase("{\"weight_map\":{\"lm_head.weight\":\"../x.safetensors\"}}", "lm_head.weight")]
    [TestCase("{\"weight_map\":{\"lm_head.weight\":7}}", "lm_head.weight")]
    public void Sharded_ThrowsForMalformedIndex(string index, string item)
    {
        WriteShards(index);
        var e = Assert.Throws<ModelException>(() => SafetensorsCheckpoint.Open(_folder.Path));
        Assert.That(e!.Item, Is.EqualTo(item));
    }

    [Test]
    public void Sharded_ThrowsWhenShardHoldsUnmappedTensor()
    {
        WriteShards(index: "{\"weight_map\":{\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\"," +
            "\"lm_head.weight\":\"model-00002-of-00002.safetensors\"}}");
        var e = Assert.Throws<ModelException>(() => SafetensorsCheckpoint.Open(_folder.Path));
        Assert.That(e!.Item, Is.EqualTo("model.norm.weight"));
    }

    [Test]
    public void Open_ReadsSingleFileFolder()
    {
        new SafetensorsWriter().Add("w", new[] { 5f }, 1).Save(_folder.File(SafetensorsCheckpoint.SingleFileName));
        using var checkpoint = SafetensorsCheckpoint.Open(_folder.Path);
        Assert.That(checkpoint.GetSpan<float>("w")[0], Is.EqualTo(5f));
    }

    [Test]
    public void Open_ThrowsForFolderWithoutWeights()
    {
        var e = Assert.Throws<ModelException>(() => SafetensorsCheckpoint.Open(_folder.Path));
        Assert.That(e!.Message, Does.Contain(SafetensorsCheckpoint.IndexFileName));
    }

    [Test]
    public void Property_WriteThenReadReturnsTheSameTensors()
    {
        var dtypes = Enum.GetValues<SafetensorsDType>();
        var counter = 0;
        Prop.ForAll<(byte Dtype, byte[] Data, string Key)[]>(items =>
        {
            var writer = new SafetensorsWriter();
            var expected = new Dictionary<string, (SafetensorsDType, byte[])>();
            for (var i = 0; i < items.Length; i++)
            {
                var dtype = dtypes[items[i].Dtype % dtypes.Length];
                var data = items[i].Data ?? [];
                var bytes = data[..(data.Length / dtype.ItemSize() * dtype.ItemSize())];
                // Names include arbitrary Unicode from the generator to exercise JSON escaping.
                var name = $"t{i}.{items[i].Key}";
                writer.Add(name, dtype, [bytes.Length / dtype.ItemSize()], bytes);
                expected.Add(name, (dtype, bytes));
            }
            var path = _folder.File($"p{counter++}.safetensors");
            writer.Save(path);
            using var file = SafetensorsFile.Open(path);
            return file.Tensors.Count == expected.Count && expected.All(kv =>
                file.Info(kv.Key).DType == kv.Value.Item1 && file.GetBytes(kv.Key).SequenceEqual(kv.Value.Item2));
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Tensor_RoundTripsThroughLibTorch()
    {
        if (!LibTorch.TryLoad(out var reason))
        {
            Assert.Ignore(reason);
        }
        var live = LibTorch.LiveTensors;
        var path = _folder.File("torch.safetensors");
        using (LibTorch.NewDisposeScope())
        {
            var weight = Tensor.From<float>(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
            var transposed = weight.Transpose(0, 1);
            var bf16 = weight.To(DType.BFloat16);
            var ids = Tensor.From<long>(new long[] { 7, 8 }, 2);
            new SafetensorsWriter().Add("w", weight).Add("wt", transposed).Add("h", bf16).Add("ids", ids).Save(path);

            using var file = SafetensorsFile.Open(path);
            var w = file.ToTensor("w");
            var wt = file.ToTensor("wt");
            var h = file.ToTensor("h");
            Assert.Multiple(() =>
            {
                Assert.That(w.Shape, Is.EqualTo(new long[] { 2, 3 }));
                Assert.That(w.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
                Assert.That(wt.Shape, Is.EqualTo(new long[] { 3, 2 }));
                Assert.That(wt.ToArray<float>(), Is.EqualTo(new[] { 1f, 4f, 2f, 5f, 3f, 6f }));
                Assert.That(h.Dtype, Is.EqualTo(DType.BFloat16));
                Assert.That(file.GetSpan<ushort>("h")[0], Is.EqualTo((ushort)0x3F80));
                Assert.That(file.ToTensor("ids").ToArray<long>(), Is.EqualTo(new long[] { 7, 8 }));
            });
        }
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(live), "tensor handles leaked");
    }

    private void WriteShards(string? index = null)
    {
        new SafetensorsWriter()
            .Add("model.embed_tokens.weight", new[] { 1f, 2f }, 1, 2)
            .Add("model.norm.weight", SafetensorsDType.BF16, new ushort[] { 0x3F80, 0x4000 }, 2)
            .Save(_folder.File("model-00001-of-00002.safetensors"));
        new SafetensorsWriter()
            .Add("lm_head.weight", new[] { 3f, 4f }, 1, 2)
            .Save(_folder.File("model-00002-of-00002.safetensors"));
        index ??= "{\"metadata\":{\"total_size\":20},\"weight_map\":{" +
            "\"lm_head.weight\":\"model-00002-of-00002.safetensors\"," +
            "\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\"," +
            "\"model.norm.weight\":\"model-00001-of-00002.safetensors\"}}";
        File.WriteAllText(_folder.File(SafetensorsCheckpoint.IndexFileName), index);
    }
}
