using System.CommandLine;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Model.Processing;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Cli.Model;

/// <summary>
/// <c>pjudge model preprocess --model DIR --image A.png [--image B.png] --out OUT.safetensors</c>: the Qwen2-VL image
/// processor (<see cref="Qwen2VLImageProcessor"/>, DIR's preprocessor_config.json or HF's defaults) over the images in
/// order; writes <c>pixel_values</c> (float32 [L, C·Tp·p·p], HF's patch order), <c>image_grid_thw</c> (int64 [N, 3])
/// and <c>resized.N</c> (uint8 [H, W, 3], the image after the bicubic resize), so a resize difference can be told
/// apart from a normalisation difference.
/// </summary>
internal static class PreprocessCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "HF model folder", Required = true };
        var images = new Option<string[]>("--image")
        {
            Description = "An image file (repeatable, in order)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string>("--out") { Description = "Output .safetensors", Required = true };
        var command = new Command("preprocess",
            "Run the Qwen2-VL image processor: pixel_values, image_grid_thw and the resized images as safetensors")
        {
            model, images, output,
        };
        command.SetAction(parse =>
        {
            Run(parse.GetValue(model)!, parse.GetValue(images)!, parse.GetValue(output)!);
            stdout.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }

    /// <summary>Preprocesses <paramref name="images"/> with <paramref name="modelFolder"/>'s settings into
    /// <paramref name="output"/>.</summary>
    public static ImageFeatures Run(string modelFolder, IReadOnlyList<string> images, string output)
    {
        if (!Directory.Exists(modelFolder))
        {
            throw new CliInputException("--model", $"{modelFolder}: no such folder");
        }
        var config = Path.Combine(modelFolder, PreprocessorConfigJson.FileName);
        var processor = File.Exists(config)
            ? Qwen2VLImageProcessor.Load(config)
            : new Qwen2VLImageProcessor(new PreprocessorConfig(), "<HF defaults>");
        var decoded = images.Select(path =>
        {
            var rgba = ImageCodec.Load(path);
            return RgbImage.FromRgba(rgba.Width, rgba.Height, rgba.Pixels, path);
        }).ToList();
        var features = processor.Preprocess(decoded);
        var grid = features.GridThw.SelectMany(g => new long[] { g.T, g.H, g.W }).ToArray();
        var writer = new SafetensorsWriter()
            .AddMetadata("format", "pt")
            .Add("pixel_values", features.PixelValues, features.Rows, features.Cols)
            .Add("image_grid_thw", grid, features.GridThw.Count, 3);
        for (var i = 0; i < features.Resized.Count; i++)
        {
            var r = features.Resized[i];
            writer.Add($"resized.{i}", r.Pixels, r.Height, r.Width, 3);
        }
        writer.Save(output);
        return features;
    }
}
