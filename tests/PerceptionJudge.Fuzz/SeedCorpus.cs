using System.Text;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Fuzz.Targets;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Training.Config;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace PerceptionJudge.Fuzz;

/// <summary>
/// The generated part of the seed corpus (files named <c>generated-*</c>): what our own writers produce, so each
/// target starts from a valid input of its format. The other seeds are written by hand to reach the edges (a header
/// declaring 2^60 bytes, boxes outside the image, a YAML list). It also writes the one-pair PPJD the manifest target
/// validates against (<c>fixtures/ppjd-one-pair</c>, beside the corpus). Regenerate with
/// <c>PerceptionJudge.Fuzz write-seeds tests/PerceptionJudge.Fuzz/corpus</c>.
/// </summary>
public static class SeedCorpus
{
    /// <summary>Writes every generated seed under <paramref name="root"/>/TARGET/.</summary>
    public static void Write(string root)
    {
        Save(root, "safetensors", "generated-two-tensors.safetensors", new SafetensorsWriter()
            .AddMetadata("format", "pt")
            .Add("w", new float[] { 1f, -2f, 3f, 0.5f }, 2, 2)
            .Add("b", SafetensorsDType.U8, new byte[] { 7, 8, 9 }, 3)
            .ToArray());
        Save(root, "safetensors-index", "generated-index.json", Encoding.UTF8.GetBytes(
            "{\"metadata\": {\"total_size\": 11}, \"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"a.safetensors\"}}"));
        // The manifest target's folder (fixtures/ppjd-one-pair) and its seed: the same one-pair synthetic build.
        string ppjd = Path.Combine(root, "..", "fixtures", "ppjd-one-pair");
        if (Directory.Exists(ppjd))
        {
            Directory.Delete(ppjd, recursive: true);
        }
        PpjdBuilder.BuildSynthetic(ppjd, 1, PpjdTargets.ManifestSeed, imageSize: 32);
        Save(root, "ppjd-manifest", "generated-one-pair.jsonl", File.ReadAllBytes(Path.Combine(ppjd, "manifest.jsonl")));
        Save(root, "tokenizer", "generated-tiny.json", Encoding.UTF8.GetBytes(TinyVocabulary.Create().ToJson()));
        Save(root, "adapter-config", "generated-lora.json", Encoding.UTF8.GetBytes(PeftConfigJson.ToJson(new LoraConfig
        {
            R = 32,
            LoraAlpha = 32,
            TargetModules = ModulePattern.Of("q_proj", "v_proj"),
            ExcludeModules = ModulePattern.Regex(".*visual.*"),
        })));
        Save(root, "model-config", "generated-tiny.json", Encoding.UTF8.GetBytes(ModelConfigJson.ToJson(ModelConfig.Tiny)));
        Save(root, "train-config", "generated-defaults.json", Encoding.UTF8.GetBytes(ConfigPrinter.ToJson(new TrainConfig())));
        WriteImages(root);
    }

    // An 8 x 8 gradient with varying alpha in the four formats the images target reads: PNG and JPEG by our own
    // encoder, GIF (refused by the codec, so mutations test the refusal) and 24-bit BMP by ImageSharp's.
    private static void WriteImages(string root)
    {
        var image = new Rgba8Image(8, 8, new byte[8 * 8 * 4]);
        for (int i = 0; i < 64; i++)
        {
            image.Pixels[i * 4] = (byte)(i % 8 * 32);
            image.Pixels[i * 4 + 1] = (byte)(i / 8 * 32);
            image.Pixels[i * 4 + 2] = (byte)(i * 4);
            image.Pixels[i * 4 + 3] = (byte)(255 - i);
        }
        Save(root, "images", "generated-8x8.png", ImageCodec.EncodePng(image));
        Save(root, "images", "generated-8x8.jpg", ImageCodec.EncodeJpeg(image, 75));
        using var wrapped = Image.WrapMemory<Rgba32>(image.Pixels.AsMemory(), 8, 8);
        Save(root, "images", "generated-8x8.gif", Encoded(wrapped, new GifEncoder()));
        var bmp24 = new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 };
        Save(root, "images", "generated-8x8.bmp", Encoded(wrapped, bmp24));
    }

    private static byte[] Encoded(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var output = new MemoryStream();
        image.Save(output, encoder);
        return output.ToArray();
    }

    private static void Save(string root, string target, string name, byte[] bytes)
    {
        string dir = Path.Combine(root, target);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }
}
