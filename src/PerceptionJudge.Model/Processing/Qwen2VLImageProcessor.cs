namespace PerceptionJudge.Model.Processing;

/// <summary>
/// Qwen2-VL's image preprocessing (HF transformers image_processing_qwen2_vl.py, the slow
/// <c>Qwen2VLImageProcessor._preprocess</c>), per image: resize to <see cref="SmartResize"/>'s size with Pillow's
/// bicubic (<see cref="PilBicubicResize"/>); rescale x·rescale_factor in float64 then cast to float32
/// (image_transforms.rescale); normalise (x − mean)/std in float32 with mean and std cast to float32
/// (image_transforms.normalize); then cut into patches. Images concatenate along the rows.
/// </summary>
public sealed class Qwen2VLImageProcessor
{
    /// <summary>Uses <paramref name="config"/> (validated here; <paramref name="source"/> names it in errors).</summary>
    public Qwen2VLImageProcessor(PreprocessorConfig config, string source = PreprocessorConfigJson.FileName)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate(source);
        Config = config;
    }

    /// <summary>The settings.</summary>
    public PreprocessorConfig Config { get; }

    /// <summary>Reads preprocessor_config.json from <paramref name="path"/> (the file or its folder).</summary>
    public static Qwen2VLImageProcessor Load(string path) => new(PreprocessorConfigJson.Load(path), path);

    /// <summary>Preprocesses <paramref name="images"/> (at least one) into patch rows and grids.</summary>
    public ImageFeatures Preprocess(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("no images to preprocess", nameof(images));
        }

        var c = Config;
        int cols = 3 * c.TemporalPatchSize * c.PatchSize * c.PatchSize;
        var resized = new List<RgbImage>(images.Count);
        var grids = new List<GridThw>(images.Count);
        var perImage = new List<float[]>(images.Count);
        foreach (var image in images)
        {
            var sized = Resize(image);
            var (grid, patches) = Patchify(Normalize(sized), sized.Width, sized.Height);
            resized.Add(sized);
            grids.Add(grid);
            perImage.Add(patches);
        }

        int rows = grids.Sum(g => g.Patches);
        var pixelValues = new float[(long)rows * cols];
        long offset = 0;
        foreach (var patches in perImage)
        {
            patches.CopyTo(pixelValues, offset);
            offset += patches.Length;
        }

        return new ImageFeatures(pixelValues, rows, cols, grids, resized);
    }

    /// <summary>The image at its <see cref="SmartResize"/> size (a copy when unchanged or do_resize is off).</summary>
    public RgbImage Resize(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!Config.DoResize)
        {
            return new RgbImage(image.Width, image.Height, (byte[])image.Pixels.Clone());
        }

        var (height, width) = SmartResize.Compute(image.Height, image.Width, Config.Factor, Config.MinPixels,
            Config.MaxPixels);
        return PilBicubicResize.Resize(image, width, height);
    }

    /// <summary>
    /// Rescale and normalise, channels-first [3, H, W] float32: with do_rescale
    /// r = (float)((double)x · rescale_factor), else r = (float)x; with do_normalize
    /// (r − (float)mean[c]) / (float)std[c] in float32.
    /// </summary>
    public float[] Normalize(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var c = Config;
        int plane = image.Width * image.Height;
        var mean = c.ImageMean.Select(m => (float)m).ToArray();
        var std = c.ImageStd.Select(s => (float)s).ToArray();
        var chw = new float[3 * plane];
        for (int p = 0; p < plane; p++)
        {
            for (int ch = 0; ch < 3; ch++)
            {
                byte x = image.Pixels[p * 3 + ch];
                float r = c.DoRescale ? (float)(x * c.RescaleFactor) : x;
                chw[ch * plane + p] = c.DoNormalize ? (r - mean[ch]) / std[ch] : r;
            }
        }

        return chw;
    }

    /// <summary>
    /// HF's patch flattening of one still image: repeat the frame temporal_patch_size times, reshape
    /// (grid_t, tp, C, gh/m, m, p, gw/m, m, p), permute (0, 3, 6, 4, 7, 2, 1, 5, 8), flatten to
    /// [grid_t·gh·gw, C·tp·p·p]. Rows thus run over merge blocks, then the m×m patches inside a block.
    /// </summary>
    public (GridThw Grid, float[] Patches) Patchify(float[] chw, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(chw);
        var c = Config;
        int p = c.PatchSize, m = c.MergeSize, tp = c.TemporalPatchSize;
        if (height % (p * m) != 0 || width % (p * m) != 0)
        {
            throw new ModelException($"image {width}x{height}: both sides must be multiples of patch_size · " +
                $"merge_size = {p * m} to cut into patches; turn do_resize on or resize the image first");
        }

        if (chw.Length != 3L * width * height)
        {
            throw new ArgumentException($"expected {3L * width * height} values [3, H, W], got {chw.Length}",
                nameof(chw));
        }

        // One frame repeated to a full temporal patch: grid_t = 1.
        var grid = new GridThw(1, height / p, width / p);
        int cols = 3 * tp * p * p;
        var patches = new float[(long)grid.Patches * cols];
        int blocksW = grid.W / m, plane = width * height;
        int row = 0;
        for (int bh = 0; bh < grid.H / m; bh++)
        {
            for (int bw = 0; bw < blocksW; bw++)
            {
                for (int mh = 0; mh < m; mh++)
                {
                    for (int mw = 0; mw < m; mw++, row++)
                    {
                        int y0 = (bh * m + mh) * p, x0 = (bw * m + mw) * p;
                        int col = 0;
                        for (int ch = 0; ch < 3; ch++)
                        {
                            for (int t = 0; t < tp; t++)
                            {
                                for (int py = 0; py < p; py++)
                                {
                                    int src = ch * plane + (y0 + py) * width + x0;
                                    for (int px = 0; px < p; px++, col++)
                                    {
                                        patches[(long)row * cols + col] = chw[src + px];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return (grid, patches);
    }
}
