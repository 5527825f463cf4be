namespace PerceptionJudge.Model.Nn.Vision;

/// <summary>
/// Per-channel pixel normalisation x' = (x − mean[c]) / std[c] for pixel values in [0, 1] (the Data project's planar
/// layout). The default is OpenAI CLIP's (<c>OPENAI_CLIP_MEAN</c>/<c>OPENAI_CLIP_STD</c> in transformers), which
/// Qwen2-VL's image processor also uses.
/// </summary>
public sealed record ImageNormalization(float[] Mean, float[] Std)
{
    /// <summary>mean (0.48145466, 0.4578275, 0.40821073), std (0.26862954, 0.26130258, 0.27577711).</summary>
    public static ImageNormalization Clip { get; } = new(
        [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f]);

    /// <summary>Throws unless mean and std both have <paramref name="channels"/> finite entries, std &gt; 0.</summary>
    public void Validate(int channels)
    {
        if (Mean.Length != channels || Std.Length != channels)
        {
            throw new ArgumentException(
                $"image normalisation has {Mean.Length} means and {Std.Length} stds for {channels} channels");
        }
        if (Mean.Any(m => !float.IsFinite(m)) || Std.Any(s => !float.IsFinite(s) || s <= 0))
        {
            throw new ArgumentException("image normalisation: means must be finite and stds finite and > 0");
        }
    }
}
