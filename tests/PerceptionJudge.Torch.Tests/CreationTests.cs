using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

[TestFixture]
public sealed class CreationTests : TorchTest
{
    [Test]
    public void From_KeepsValuesShapeAndDtype()
    {
        var t = F32([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.That(t.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(t.Dim, Is.EqualTo(2));
        Assert.That(t.Numel, Is.EqualTo(6));
        Assert.That(t.Dtype, Is.EqualTo(DType.Float32));
        Assert.That(t.Device, Is.EqualTo(DeviceType.Cpu));
        Assert.That(t.IsContiguous, Is.True);
        Assert.That(t.Strides, Is.EqualTo(new long[] { 3, 1 }));
        Assert.That(t.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(I64([7, -8]).ToArray<long>(), Is.EqualTo(new long[] { 7, -8 }));
        Assert.That(F64([0.1]).ToArray<double>(), Is.EqualTo(new[] { 0.1 }));
    }

    [Test]
    public void BFloat16_FromBitsConvertsToFloat()
    {
        // bfloat16 is the top half of a float32: 1.0 = 0x3F80, -2.5 = 0xC020, 0.15625 = 0x3E20.
        var t = Tensor.From<ushort>([0x3F80, 0xC020, 0x3E20], DType.BFloat16, 3);
        Assert.That(t.Dtype, Is.EqualTo(DType.BFloat16));
        Assert.That(t.To(DType.Float32).ToArray<float>(), Is.EqualTo(new[] { 1f, -2.5f, 0.15625f }));
        Assert.That(F32([3f]).To(DType.BFloat16).ToArray<ushort>(), Is.EqualTo(new ushort[] { 0x4040 }));
    }

    [Test]
    public void Factories_FillAsNamed()
    {
        Assert.That(Tensor.Zeros([2, 2]).ToArray<float>(), Is.All.EqualTo(0f));
        Assert.That(Tensor.Ones([3], DType.Int64).ToArray<long>(), Is.All.EqualTo(1L));
        Assert.That(Tensor.Full([2], 2.5, DType.Float64).ToArray<double>(), Is.All.EqualTo(2.5));
        Assert.That(Tensor.Empty([4, 5], DType.BFloat16).Shape, Is.EqualTo(new long[] { 4, 5 }));
        Assert.That(Tensor.Arange(0, 5).ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
        Assert.That(
            Tensor.Arange(1, 2, 0.25, DType.Float32).ToArray<float>(), Is.EqualTo(new[] { 1f, 1.25f, 1.5f, 1.75f }));
        var s = Tensor.Scalar(4.5);
        Assert.That(s.Dim, Is.EqualTo(0));
        Assert.That(s.Item(), Is.EqualTo(4.5));
    }

    [Test]
    public void Randn_IsDeterministicPerSeedAndStandardNormal()
    {
        var a = Tensor.Randn([20_000], seed: 7).ToArray<float>();
        var b = Tensor.Randn([20_000], seed: 7).ToArray<float>();
        var c = Tensor.Randn([20_000], seed: 8).ToArray<float>();
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
        var mean = a.Average();
        var std = Math.Sqrt(a.Select(x => (x - mean) * (x - mean)).Average());
        // Standard error of the mean is 1/sqrt(20000) = 0.007; allow 5 of them.
        Assert.That(mean, Is.EqualTo(0).Within(0.035));
        Assert.That(std, Is.EqualTo(1).Within(0.03));
        // Same draws for every dtype (drawn in float32, then rounded to bfloat16's 8 significant bits).
        var f32 = Tensor.Randn([100], seed: 7).ToArray<float>();
        var bf16 = Tensor.Randn([100], seed: 7, DType.BFloat16).To(DType.Float32).ToArray<float>();
        for (var i = 0; i < 100; i++)
        {
            Assert.That(bf16[i], Is.EqualTo(f32[i]).Within(Math.Abs(f32[i]) / 128 + 1e-6), $"bf16 draw {i}");
        }
        var u = Tensor.Rand([1000], seed: 3).ToArray<float>();
        Assert.That(u, Is.All.GreaterThanOrEqualTo(0f).And.LessThan(1f));
    }

    [Test]
    public void From_ThrowsWhenDataDoesNotFillShape()
    {
        var e = Assert.Throws<TorchException>(() => F32([1, 2, 3], 2, 2));
        Assert.That(e!.Message, Does.Contain("do not fill shape [2, 2]"));
    }

    [Test]
    public void ToArray_ThrowsForWrongElementType()
    {
        var t = F32([1, 2]);
        Assert.Throws<TorchException>(() => t.ToArray<double>());
    }

    [Test]
    public void SaveLoad_RoundTripsEveryDtype()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pjtorch-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            var f = F32([1.5f, -2, 3, 4], 2, 2);
            var path = Path.Combine(dir, "f.pt");
            f.Save(path);
            var back = Tensor.Load(path);
            Assert.That(back.Shape, Is.EqualTo(new long[] { 2, 2 }));
            Assert.That(back.ToArray<float>(), Is.EqualTo(f.ToArray<float>()));

            var i = I64([1, 2, 3]);
            i.Save(path);
            Assert.That(Tensor.Load(path).ToArray<long>(), Is.EqualTo(new long[] { 1, 2, 3 }));

            var b = f.To(DType.BFloat16);
            b.Save(path);
            var bb = Tensor.Load(path);
            Assert.That(bb.Dtype, Is.EqualTo(DType.BFloat16));
            Assert.That(bb.ToArray<ushort>(), Is.EqualTo(b.ToArray<ushort>()));

            // A non-contiguous view saves its values, not its storage.
            f.Transpose(0, 1).Save(path);
            Assert.That(Tensor.Load(path).ToArray<float>(), Is.EqualTo(new[] { 1.5f, 3, -2, 4 }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Load_ThrowsForMissingOrCorruptFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "pjtorch-no-such-file.pt");
        var e = Assert.Throws<TorchException>(() => Tensor.Load(missing));
        Assert.That(e!.Message, Does.Contain("cannot open"));
        var bad = Path.GetTempFileName();
        try
        {
            File.WriteAllText(bad, "not a pickle archive");
            Assert.Throws<TorchException>(() => Tensor.Load(bad));
        }
        finally
        {
            File.Delete(bad);
        }
    }
}
