using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// PyTorch <c>nn.Conv2d</c> without padding: <c>weight</c> [out, in, kH, kW] and an optional <c>bias</c> [out]. With
/// stride = kernel it is a ViT patch embedding (one output pixel per non-overlapping patch).
/// </summary>
public sealed class Conv2d : Module
{
    /// <summary>A convolution with the given weight, bias and stride; takes ownership of the tensors.</summary>
    public Conv2d(Tensor weight, Tensor? bias, long stride)
    {
        if (weight.Dim != 4)
        {
            throw new ArgumentException(
                $"Conv2d weight must be [out, in, kH, kW], got [{string.Join(", ", weight.Shape)}]");
        }
        Weight = RegisterParameter("weight", weight);
        Bias = bias is null ? null : RegisterParameter("bias", bias);
        Stride = stride;
    }

    /// <summary>The kernel [out, in, kH, kW].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Step between windows, both axes.</summary>
    public long Stride { get; }

    /// <summary>x [N, in, H, W] → [N, out, H', W'].</summary>
    public Tensor Forward(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride);
}
