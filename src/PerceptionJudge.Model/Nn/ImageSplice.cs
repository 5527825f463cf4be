using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// Puts image embeddings into the token embeddings at the <c>&lt;image&gt;</c> placeholders, as LLaVA/Qwen2-VL's
/// <c>inputs_embeds.masked_scatter(image_mask, image_features)</c> does: the prompt holds NumPatches placeholder ids
/// per image (the processor expands one <c>&lt;image&gt;</c> to that many), and the k-th placeholder in row-major
/// (batch, then position) order gets the k-th patch embedding of the images taken in order.
/// </summary>
public static class ImageSplice
{
    /// <summary>
    /// <paramref name="tokenEmbeds"/> [B, T, H] with placeholder rows replaced by <paramref name="imageEmbeds"/>
    /// [N, P, H]; <paramref name="inputIds"/> [B, T]. Throws a <see cref="ModelException"/> when the placeholder
    /// count is not N·P. Only columns below <paramref name="columns"/> (default: all) hold placeholders; a placeholder
    /// id after them is a sampled response token, embedded as text as it was while decoding.
    /// </summary>
    public static Tensor Apply(Tensor tokenEmbeds, Tensor inputIds, Tensor imageEmbeds, long imageTokenId,
        long? columns = null)
    {
        long batch = tokenEmbeds.Size(0), length = tokenEmbeds.Size(1), width = tokenEmbeds.Size(2);
        long images = imageEmbeds.Size(0), patches = imageEmbeds.Size(1);
        using var scope = LibTorch.NewDisposeScope();
        var ids = inputIds.To(DType.Int64).ToArray<long>();
        var isImage = new bool[ids.Length];
        var source = new long[ids.Length];
        long count = 0;
        long span = columns ?? length;
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] == imageTokenId && i % length < span)
            {
                isImage[i] = true;
                source[i] = count++;
            }
        }
        if (count != images * patches)
        {
            throw new ModelException(
                $"input_ids hold {count} <image> placeholders (id {imageTokenId}; per row: " +
                $"{PerRow(isImage, batch, length)}) but {images} image(s) × {patches} patches = {images * patches} " +
                $"embeddings; the prompt must hold {patches} placeholder ids per image, in image order");
        }
        if (count == 0)
        {
            return tokenEmbeds.Clone().MoveToOuterDisposeScope();
        }
        var features = imageEmbeds.Reshape(images * patches, width).To(tokenEmbeds.Dtype);
        var rows = Tensor.From<long>(source, source.Length);
        var gathered = Ops.IndexSelect(features, 0, rows).View(batch, length, width);
        var mask = Tensor.From<bool>(isImage, batch, length, 1);
        return Ops.Where(mask, gathered, tokenEmbeds).MoveToOuterDisposeScope();
    }

    /// <summary>Number of <paramref name="imageTokenId"/> entries in <paramref name="inputIds"/>.</summary>
    public static long CountPlaceholders(Tensor inputIds, long imageTokenId)
    {
        using var scope = LibTorch.NewDisposeScope();
        return inputIds.To(DType.Int64).ToArray<long>().LongCount(id => id == imageTokenId);
    }

    private static string PerRow(bool[] isImage, long batch, long length)
    {
        var counts = new long[batch];
        for (var i = 0; i < isImage.Length; i++)
        {
            counts[i / length] += isImage[i] ? 1 : 0;
        }
        return string.Join(", ", counts);
    }
}
