using System.Buffers.Binary;
using System.Text;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Model.Tests.Weights;

/// <summary>Each malformed file gives a <see cref="ModelException"/> naming the file and, if known, a tensor.</summary>
[TestFixture]
public sealed class SafetensorsCorruptionTests : IDisposable
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    public void Dispose() => _folder?.Dispose();

    [Test]
    public void Open_ThrowsForTruncatedFile()
    {
        var e = OpenBytes(new byte[] { 8, 0, 0 });
        Assert.That(e.Message, Does.Contain("truncated"));
    }

    [Test]
    public void Open_ThrowsWhenHeaderLengthExceedsFile()
    {
        var bytes = Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000_000);
        var e = OpenBytes(bytes);
        Assert.That(e.Message, Does.Contain("header length 1000000 exceeds"));
    }

    [Test]
    public void Open_ThrowsForHugeHeaderLength()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.That(OpenBytes(bytes).Message, Does.Contain("exceeds"));
    }

    [Test]
    public void Open_ThrowsForBadJson()
    {
        var e = OpenBytes(Build("{\"x\":{\"dtype\":\"F32\",", 0));
        Assert.That(e.Message, Does.Contain("not valid JSON"));
    }

    [Test]
    public void Open_ThrowsForInvalidUtf8()
    {
        var bytes = Build("{\"x\":1}", 0);
        bytes[10] = 0xFF;
        Assert.That(OpenBytes(bytes).Message, Does.Contain("UTF-8"));
    }

    [Test]
    public void Open_ThrowsForNonObjectHeader()
    {
        Assert.That(OpenBytes(Build("[1, 2]", 0)).Message, Does.Contain("'{'"));
    }

    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "outside the 4-byte data buffer")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,0]}}", 8, "begin <= end")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12")]
    [TestCase("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'Q4'")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "non-negative")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "missing field 'data_offsets'")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8, "field 'x'")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8, "[begin, end]")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "buffer holds 12")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "gap")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "overflows")]
    [TestCase("{\"w\":\"F32\"}", 8, "must be an object")]
    public void Open_ThrowsNamingTheTensor(string json, int dataLength, string expected)
    {
        var e = OpenBytes(Build(json, dataLength));
        Assert.Multiple(() =>
        {
            Assert.That(e.Item, Is.EqualTo("w"));
            Assert.That(e.Message, Does.Contain("'w'").And.Contain(expected));
        });
    }

    [Test]
    public void Open_ThrowsForOverlappingTensors()
    {
        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        var e = OpenBytes(Build(json, 12));
        Assert.Multiple(() =>
        {
            Assert.That(e.Item, Is.EqualTo("b"));
            Assert.That(e.Message, Does.Contain("overlap tensor 'a'"));
        });
    }

    [Test]
    public void Open_ThrowsForDuplicateTensorName()
    {
        const string json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}," +
            "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        var e = OpenBytes(Build(json, 2));
        Assert.That(e.Item, Is.EqualTo("a"));
        Assert.That(e.Message, Does.Contain("twice"));
    }

    [Test]
    public void Open_ThrowsForNonStringMetadata()
    {
        var e = OpenBytes(Build("{\"__metadata__\":{\"format\":3}}", 0));
        Assert.That(e.Item, Is.EqualTo("__metadata__.format"));
    }

    [Test]
    public void Open_AcceptsEmptyFileAndZeroSizedTensors()
    {
        const string json = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}," +
            "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}  ";
        var path = _folder.File("ok.safetensors");
        File.WriteAllBytes(path, Build(json, 8));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.GetBytes("e").Length, Is.Zero);
        Assert.That(file.Info("s").Numel, Is.EqualTo(1));
    }

    [Test]
    public void Open_ThrowsForMissingFile()
    {
        var path = _folder.File("absent.safetensors");
        var e = Assert.Throws<ModelException>(() => SafetensorsFile.Open(path));
        Assert.That(e!.File, Is.EqualTo(path));
    }

    /// <summary>8-byte length, the JSON as given (unpadded), then <paramref name="dataLength"/> zero bytes.</summary>
    private static byte[] Build(string json, int dataLength)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    private ModelException OpenBytes(byte[] bytes)
    {
        var path = _folder.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelException>(() => SafetensorsFile.Open(path).Dispose())!;
        Assert.That(e.File, Is.EqualTo(path));
        Assert.That(e.Message, Does.StartWith(path));
        return e;
    }
}
