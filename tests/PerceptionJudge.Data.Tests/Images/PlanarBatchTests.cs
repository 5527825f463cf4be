using PerceptionJudge.Data.Images;

namespace PerceptionJudge.Data.Tests.Images;

[TestFixture]
public sealed class PlanarBatchTests
{
    [Test]
    public void ToPlanar_LaysOutNchwAndRoundTripsExactly()
    {
        var a = ImageCodecTests.Gradient(5, 3, opaque: true);
        var b = Rgba8Image.Filled(5, 3, 10, 20, 30);
        var batch = PlanarBatch.ToPlanar([a, b], 3);
        Assert.That(batch, Has.Length.EqualTo(2 * 3 * 15));
        // image 1, channel 2 (blue), pixel (x=4, y=2) → index ((1·3 + 2)·3 + 2)·5 + 4
        Assert.That(batch[((1 * 3 + 2) * 3 + 2) * 5 + 4], Is.EqualTo(30f / 255f));
        Assert.That(PlanarBatch.FromPlanar(batch, 0, 3, 3, 5).Pixels, Is.EqualTo(a.Pixels));
        Assert.That(PlanarBatch.FromPlanar(batch, 1, 3, 3, 5).Pixels, Is.EqualTo(b.Pixels));
    }

    [Test]
    public void FromPlanar_ClampsAndKeepsAlphaWithFourChannels()
    {
        float[] planes = [-0.5f, 2f, 0.5f, 0.25f];
        var image = PlanarBatch.FromPlanar(planes, 0, 4, 1, 1);
        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 0, 255, 128, 64 }));
    }

    [Test]
    public void ToPlanar_ThrowsForMixedSizes() =>
        Assert.Throws<ArgumentException>(() => PlanarBatch.ToPlanar([Rgba8Image.Filled(2, 2, 0, 0, 0),
            Rgba8Image.Filled(3, 2, 0, 0, 0)]));
}
