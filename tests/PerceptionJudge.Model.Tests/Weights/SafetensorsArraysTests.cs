using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Model.Tests.Weights;

/// <summary>
/// <see cref="SafetensorsArrays"/>: every dtype read into managed arrays with hand-computed values (no libtorch), and
/// arrays written with <see cref="SafetensorsWriter"/> read back exactly.
/// </summary>
[TestFixture]
public sealed class SafetensorsArraysTests : IDisposable
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    public void Dispose() => _folder?.Dispose();

    [Test]
    public void ReadDoubles_ConvertsEveryFloatDtypeExactly()
    {
        // Hand-encoded bits: F16 0x3800 = 0.5, 0xC500 = -5, 0x0001 = 2^-24 (smallest subnormal), 0x7C00 = +inf;
        // BF16 0x3FC0 = 1.5, 0xC010 = -2.25, 0x7FC0 = NaN, 0x0080 = 2^-126.
        using var file = Write(new SafetensorsWriter()
            .Add("f64", new[] { 0.1, -1e300 }, 2)
            .Add("f32", new[] { 0.1f, -3.5f, float.MaxValue }, 3)
            .Add("f16", SafetensorsDType.F16, new ushort[] { 0x3800, 0xC500, 0x0001, 0x7C00 }, 2, 2)
            .Add("bf16", SafetensorsDType.BF16, new ushort[] { 0x3FC0, 0xC010, 0x7FC0, 0x0080 }, 4, 1));
        Assert.Multiple(() =>
        {
            Assert.That(file.ReadDoubles("f64").Values, Is.EqualTo(new[] { 0.1, -1e300 }));
            Assert.That(file.ReadDoubles("f32").Values, Is.EqualTo(new[] { (double)0.1f, -3.5, float.MaxValue }));
            Assert.That(
                file.ReadDoubles("f16").Values,
                Is.EqualTo(new[] { 0.5, -5.0, System.Math.Pow(2, -24), double.PositiveInfinity }));
            var bf16 = file.ReadDoubles("bf16");
            Assert.That(bf16.Values[..2], Is.EqualTo(new[] { 1.5, -2.25 }));
            Assert.That(double.IsNaN(bf16.Values[2]), Is.True);
            Assert.That(bf16.Values[3], Is.EqualTo(System.Math.Pow(2, -126)));
            Assert.That(bf16.DType, Is.EqualTo(SafetensorsDType.BF16));
            Assert.That(bf16.Shape, Is.EqualTo(new long[] { 4, 1 }));
            Assert.That(bf16.Name, Is.EqualTo("bf16"));
            Assert.That(bf16.Numel, Is.EqualTo(4));
        });
    }

    [Test]
    public void ReadDoubles_WidensIntegerDtypes()
    {
        using var file = Write(new SafetensorsWriter()
            .Add("i64", new[] { -7L, 1L << 40 }, 2)
            .Add("i8", new sbyte[] { -128, 127 }, 2)
            .Add("u8", new byte[] { 0, 255 }, 2)
            .Add("bool", SafetensorsDType.BOOL, new byte[] { 0, 1 }, 2));
        Assert.Multiple(() =>
        {
            Assert.That(file.ReadDoubles("i64").Values, Is.EqualTo(new[] { -7.0, 1099511627776.0 }));
            Assert.That(file.ReadDoubles("i8").Values, Is.EqualTo(new[] { -128.0, 127.0 }));
            Assert.That(file.ReadDoubles("u8").Values, Is.EqualTo(new[] { 0.0, 255.0 }));
            Assert.That(file.ReadDoubles("bool").Values, Is.EqualTo(new[] { 0.0, 1.0 }));
        });
    }

    [Test]
    public void ReadLongs_IsExactForEveryIntegerDtype()
    {
        using var file = Write(new SafetensorsWriter()
            .Add("i64", new[] { long.MinValue, (1L << 53) + 1, long.MaxValue }, 3)
            .Add("i32", new[] { int.MinValue, -1, int.MaxValue }, 3, 1)
            .Add("i16", new short[] { short.MinValue, 2 }, 2)
            .Add("u16", SafetensorsDType.U16, new ushort[] { 65535, 1 }, 2)
            .Add("u32", new[] { uint.MaxValue }, 1)
            .Add("u64", new[] { (ulong)long.MaxValue }, 1)
            .Add("u8", new byte[] { 200 }, 1)
            .Add("bool", SafetensorsDType.BOOL, new byte[] { 1, 0, 1 }, 3));
        Assert.Multiple(() =>
        {
            Assert.That(
                file.ReadLongs("i64").Values, Is.EqualTo(new[] { long.MinValue, 9007199254740993L, long.MaxValue }));
            var i32 = file.ReadLongs("i32");
            Assert.That(i32.Values, Is.EqualTo(new long[] { int.MinValue, -1, int.MaxValue }));
            Assert.That(i32.Shape, Is.EqualTo(new long[] { 3, 1 }));
            Assert.That(i32.DType, Is.EqualTo(SafetensorsDType.I32));
            Assert.That(file.ReadLongs("i16").Values, Is.EqualTo(new long[] { -32768, 2 }));
            Assert.That(file.ReadLongs("u16").Values, Is.EqualTo(new long[] { 65535, 1 }));
            Assert.That(file.ReadLongs("u32").Values, Is.EqualTo(new long[] { 4294967295 }));
            Assert.That(file.ReadLongs("u64").Values, Is.EqualTo(new[] { long.MaxValue }));
            Assert.That(file.ReadLongs("u8").Values, Is.EqualTo(new long[] { 200 }));
            Assert.That(file.ReadLongs("bool").Values, Is.EqualTo(new long[] { 1, 0, 1 }));
        });
    }

    [Test]
    public void ReadFloats_IsExactForHalfWidthsAndRoundsDoubles()
    {
        using var file = Write(new SafetensorsWriter()
            .Add("f32", new[] { 0.1f, float.NegativeInfinity }, 2)
            .Add("f64", new[] { 0.1, 1.0 + 1e-12 }, 2)
            .Add("bf16", SafetensorsDType.BF16, new ushort[] { 0xBF80 }, 1)
            .Add("i64", new[] { 3L }, 1));
        Assert.Multiple(() =>
        {
            Assert.That(file.ReadFloats("f32").Values, Is.EqualTo(new[] { 0.1f, float.NegativeInfinity }));
            Assert.That(file.ReadFloats("f64").Values, Is.EqualTo(new[] { 0.1f, 1.0f }));
            Assert.That(file.ReadFloats("bf16").Values, Is.EqualTo(new[] { -1.0f }));
            Assert.That(file.ReadFloats("i64").Values, Is.EqualTo(new[] { 3.0f }));
            Assert.That(SafetensorsArrays.BFloat16ToSingle(0x4049), Is.EqualTo(3.140625f));
        });
    }

    [Test]
    public void Readers_RefuseWhatTheyCannotRepresent_NamingFileAndTensor()
    {
        using var file = Write(new SafetensorsWriter()
            .Add("w", new[] { 1f }, 1)
            .Add("big", new[] { ulong.MaxValue }, 1)
            .Add("f8", SafetensorsDType.F8_E4M3, new byte[] { 0x38 }, 1));
        Assert.Multiple(() =>
        {
            var floatAsLong = Assert.Throws<ModelException>(() => file.ReadLongs("w"));
            Assert.That(floatAsLong!.Item, Is.EqualTo("w"));
            Assert.That(floatAsLong.File, Is.EqualTo(file.Path));
            Assert.That(floatAsLong.Message, Does.Contain("F32 cannot be read as int64"));
            var overflow = Assert.Throws<ModelException>(() => file.ReadLongs("big"));
            Assert.That(overflow!.Message, Does.Contain("18446744073709551615 does not fit an int64"));
            var f8 = Assert.Throws<ModelException>(() => file.ReadDoubles("f8"));
            Assert.That(f8!.Message, Does.Contain("F8_E4M3 cannot be read as double"));
            var missing = Assert.Throws<ModelException>(() => file.ReadDoubles("nope"));
            Assert.That(missing!.Item, Is.EqualTo("nope"));
        });
    }

    [Test]
    public void WrittenArrays_ReadBackExactly_WithShapesAndZeroSizedTensors()
    {
        // A dump as a later command writes it without libtorch: float32, int64 and uint8 arrays with shapes.
        var hidden = Enumerable.Range(0, 24).Select(i => (float)System.Math.Sin(i) * 1e3f).ToArray();
        var ids = new[] { 151644L, 8948L, -100L, 0L };
        var mask = new byte[] { 1, 1, 0, 1, 0, 0 };
        using var file = Write(new SafetensorsWriter()
            .Add("hidden", hidden, 2, 3, 4)
            .Add("ids", ids, 1, 4)
            .Add("mask", mask, 2, 3)
            .Add("empty", Array.Empty<float>(), 0, 5)
            .Add("scalar", new[] { 2.5f }));
        Assert.Multiple(() =>
        {
            var h = file.ReadFloats("hidden");
            Assert.That(h.Values, Is.EqualTo(hidden));
            Assert.That(h.Shape, Is.EqualTo(new long[] { 2, 3, 4 }));
            Assert.That(file.ReadDoubles("hidden").Values, Is.EqualTo(hidden.Select(v => (double)v).ToArray()));
            Assert.That(file.ReadLongs("ids").Values, Is.EqualTo(ids));
            Assert.That(file.ReadLongs("mask").Values, Is.EqualTo(mask.Select(v => (long)v).ToArray()));
            Assert.That(file.ReadLongs("mask").DType, Is.EqualTo(SafetensorsDType.U8));
            var empty = file.ReadDoubles("empty");
            Assert.That(empty.Values, Is.Empty);
            Assert.That(empty.Shape, Is.EqualTo(new long[] { 0, 5 }));
            var scalar = file.ReadFloats("scalar");
            Assert.That(scalar.Values, Is.EqualTo(new[] { 2.5f }));
            Assert.That(scalar.Shape, Is.Empty);
        });
    }

    [Test]
    public void IsFloatingPoint_CoversExactlyTheFloatDtypes()
    {
        var floats = Enum.GetValues<SafetensorsDType>().Where(d => d.IsFloatingPoint());
        Assert.That(floats, Is.EquivalentTo(new[]
        {
            SafetensorsDType.F64, SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16,
            SafetensorsDType.F8_E5M2, SafetensorsDType.F8_E4M3,
        }));
    }

    private SafetensorsFile Write(SafetensorsWriter writer)
    {
        var path = _folder.File($"{Guid.NewGuid():N}.safetensors");
        writer.Save(path);
        return SafetensorsFile.Open(path);
    }
}
