using PerceptionJudge.Model.Processing;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Processing;

/// <summary>The pixel values as the vision tower's input tensor.</summary>
[TestFixture]
public sealed class ImageFeaturesTensorTests : TorchFixture
{
    [Test]
    public void ToTensor_IsRowsByColsFloat32WithTheValues()
    {
        var pixels = new byte[56 * 28 * 3];
        new Random(11).NextBytes(pixels);
        var features = new Qwen2VLImageProcessor(new PreprocessorConfig()).Preprocess([new RgbImage(28, 56, pixels)]);
        using var scope = LibTorch.NewDisposeScope();
        var tensor = features.ToTensor();
        Assert.Multiple(() =>
        {
            Assert.That(tensor.Shape, Is.EqualTo(new long[] { features.Rows, features.Cols }));
            Assert.That(tensor.Dtype, Is.EqualTo(DType.Float32));
            Assert.That(Values(tensor), Is.EqualTo(features.PixelValues));
        });
    }
}
