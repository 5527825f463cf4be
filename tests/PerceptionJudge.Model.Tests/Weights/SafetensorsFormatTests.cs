using System.Buffers.Binary;
using System.Text;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Model.Tests.Weights;

/// <summary>Exact bytes written, round trips of every dtype, and atomic saves.</summary>
[TestFixture]
public sealed class SafetensorsFormatTests
{
    [Test]
    public void Writer_BytesMatchHandBuiltFile()
    {
        var writer = new SafetensorsWriter()
            .AddMetadata("format", "pt")
            .Add("a", SafetensorsDType.U8, new byte[] { 1, 2, 3 }, 3)
            .Add("b", new[] { 1.0f, -2.0f }, 2);

        // F32 (4-byte items) is laid out before U8; the 138-byte JSON is padded with 6 spaces to N = 144 = 0x90.
        const string json = "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11]}}      ";
        var expected = new List<byte> { 0x90, 0, 0, 0, 0, 0, 0, 0 };
        expected.AddRange(Encoding.ASCII.GetBytes(json));
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }); // 1.0f, -2.0f
        expected.AddRange(new byte[] { 1, 2, 3 });

        Assert.That(writer.ToArray(), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void Writer_MatchesTheReferenceImplementationBytes()
    {
        // Byte vectors asserted by huggingface/safetensors' own tests (tensor.rs: test_serialization, test_empty).
        var attn = new SafetensorsWriter().Add("attn.0", new[] { 0f, 1f, 2f, 3f, 4f, 5f }, 1, 2, 3).ToArray();
        var expected = new List<byte> { 64, 0, 0, 0, 0, 0, 0, 0 };
        expected.AddRange(Encoding.ASCII.GetBytes(
            "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"));
        expected.AddRange(
            new byte[] { 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64 });
        Assert.Multiple(() =>
        {
            Assert.That(attn, Is.EqualTo(expected.ToArray()));
            Assert.That(
                new SafetensorsWriter().ToArray(),
                Is.EqualTo(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32 }));
            var framework = new SafetensorsWriter().AddMetadata("framework", "pt").ToArray();
            Assert.That(framework[..8], Is.EqualTo(new byte[] { 40, 0, 0, 0, 0, 0, 0, 0 }));
            Assert.That(
                Encoding.ASCII.GetString(framework[8..]),
                Is.EqualTo("{\"__metadata__\":{\"framework\":\"pt\"}}     "));
        });
    }

    [Test]
    public void Writer_OrdersByDtypeThenName()
    {
        var bytes = new SafetensorsWriter()
            .Add("a", SafetensorsDType.F16, new ushort[] { 1 }, 1)
            .Add("b", SafetensorsDType.BF16, new ushort[] { 2 }, 1)
            .Add("c", new[] { 3f }, 1)
            .Add("d", new sbyte[] { 4 }, 1)
            .ToArray();
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("o.safetensors"), bytes);
        using var file = SafetensorsFile.Open(folder.File("o.safetensors"));
        Assert.That(file.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "c", "b", "a", "d" }));
    }

    [Test]
    public void Writer_HeaderIsPaddedToEightBytes()
    {
        var bytes = new SafetensorsWriter().Add("x", new long[] { 7 }, 1).ToArray();
        var n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Multiple(() =>
        {
            Assert.That(n % 8, Is.Zero);
            Assert.That(bytes, Has.Length.EqualTo(8 + (int)n + 8));
            Assert.That(bytes[8 + (int)n - 1], Is.EqualTo((byte)' ').Or.EqualTo((byte)'}'));
        });
    }

    [Test]
    public void Writer_OutputIsIndependentOfInsertionOrder()
    {
        var forward = new SafetensorsWriter().Add("x", new[] { 1f }, 1).Add("y", new[] { 2L }, 1).ToArray();
        var backward = new SafetensorsWriter().Add("y", new[] { 2L }, 1).Add("x", new[] { 1f }, 1).ToArray();
        Assert.That(forward, Is.EqualTo(backward));
    }

    [Test]
    public void RoundTrip_EveryDtypeShapeAndMetadata()
    {
        var random = TestRandom.Create();
        var writer = new SafetensorsWriter().AddMetadata("format", "pt").AddMetadata("note", "héllo ✓");
        var expected = new Dictionary<string, (SafetensorsDType, long[], byte[])>();
        var shapes = new[] { new long[] { 3, 5 }, [], [0, 4], [7], [2, 1, 3] };
        var i = 0;
        foreach (var dtype in Enum.GetValues<SafetensorsDType>())
        {
            var shape = shapes[i++ % shapes.Length];
            var data = new byte[SafetensorsHeader.NumelOf(shape) * dtype.ItemSize()];
            random.NextBytes(data);
            var name = $"model.layers.{i}.{dtype}.weight";
            writer.Add(name, dtype, shape, data);
            expected.Add(name, (dtype, shape, data));
        }
        using var folder = new TempFolder();
        var path = folder.File("all.safetensors");
        writer.Save(path);

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Tensors.Select(t => t.Name), Is.EquivalentTo(expected.Keys));
        Assert.That(file.Metadata["note"], Is.EqualTo("héllo ✓"));
        foreach (var (name, (dtype, shape, data)) in expected)
        {
            var info = file.Info(name);
            Assert.That(info.DType, Is.EqualTo(dtype), name);
            Assert.That(info.Shape, Is.EqualTo(shape), name);
            Assert.That(file.GetBytes(name).ToArray(), Is.EqualTo(data), name);
            Assert.That(info.Begin % dtype.ItemSize(), Is.Zero, $"{name} is aligned to its item size");
        }
    }

    [Test]
    public void GetSpan_ViewsTypedElementsAndRejectsWrongType()
    {
        using var folder = new TempFolder();
        var path = folder.File("t.safetensors");
        var values = new[] { 0.5f, -1.25f, 3e7f, float.Epsilon };
        var bf16 = new ushort[] { 0x3F80, 0xC000 };
        new SafetensorsWriter()
            .Add("w", values, 2, 2)
            .Add("h", SafetensorsDType.BF16, bf16, 2)
            .Save(path);
        using var file = SafetensorsFile.Open(path);
        Assert.Multiple(() =>
        {
            Assert.That(file.GetSpan<float>("w").ToArray(), Is.EqualTo(values));
            Assert.That(file.GetSpan<ushort>("h").ToArray(), Is.EqualTo(bf16));
            var e = Assert.Throws<ModelException>(() => file.GetSpan<long>("w"));
            Assert.That(e!.Item, Is.EqualTo("w"));
            var missing = Assert.Throws<ModelException>(() => file.Info("nope"));
            Assert.That(missing!.Item, Is.EqualTo("nope"));
            Assert.That(missing.File, Is.EqualTo(path));
        });
    }

    [Test]
    public void Save_OverwritesAtomicallyAndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        var path = folder.File("m.safetensors");
        new SafetensorsWriter().Add("x", new[] { 1f }, 1).Save(path);
        using (var first = SafetensorsFile.Open(path))
        {
            // Replacing a file that is still mapped must work (rename over it) and leave the mapping intact.
            new SafetensorsWriter().Add("y", new[] { 2.0, 3.0 }, 2).Save(path);
            Assert.That(first.GetSpan<float>("x")[0], Is.EqualTo(1f));
        }
        using var second = SafetensorsFile.Open(path);
        Assert.Multiple(() =>
        {
            Assert.That(second.GetSpan<double>("y").ToArray(), Is.EqualTo(new[] { 2.0, 3.0 }));
            Assert.That(Directory.GetFiles(folder.Path), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void Writer_RejectsMismatchedDataAndDuplicateNames()
    {
        var writer = new SafetensorsWriter().Add("x", new[] { 1f, 2f }, 2);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => writer.Add("y", new[] { 1f, 2f }, 3));
            Assert.Throws<ArgumentException>(() => writer.Add("x", new[] { 1f }, 1));
            Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", new[] { 1f }, 1));
            Assert.Throws<ArgumentException>(() => writer.Add("z", SafetensorsDType.F16, new[] { 1f }, 1));
        });
    }
}
