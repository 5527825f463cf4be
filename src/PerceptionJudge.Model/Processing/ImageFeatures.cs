using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Processing;

/// <summary>
/// The image processor's output for a batch of images (HF BatchFeature <c>pixel_values</c>, <c>image_grid_thw</c>):
/// the patch rows of all images concatenated, row-major [<see cref="Rows"/>, <see cref="Cols"/>], each row
/// C·temporal_patch·patch·patch values; one grid per image; and the resized uint8 images, so a mismatch against HF
/// can be placed in the resize or in the normalisation.
/// </summary>
public sealed record ImageFeatures(
    float[] PixelValues, int Rows, int Cols, IReadOnlyList<GridThw> GridThw, IReadOnlyList<RgbImage> Resized)
{
    /// <summary>The pixel values as a float32 tensor [Rows, Cols] on the CPU (the caller disposes it).</summary>
    public Tensor ToTensor() => Tensor.From<float>(PixelValues, Rows, Cols);
}
