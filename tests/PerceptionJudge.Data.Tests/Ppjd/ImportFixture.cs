using PerceptionJudge.Data.Images;

namespace PerceptionJudge.Data.Tests.Ppjd;

/// <summary>Tiny import inputs: 64×48 PNGs (grey background, one red square at [16,8,32,24)) and JSONL files.</summary>
internal static class ImportFixture
{
    public const int Width = 64;
    public const int Height = 48;

    public static void WriteImage(string path, byte shade = 40)
    {
        var img = Rgba8Image.Filled(Width, Height, shade, shade, (byte)(shade + 20));
        for (int y = 8; y < 24; y++)
        {
            for (int x = 16; x < 32; x++)
            {
                img.Pixels[(y * Width + x) * 4] = 220;
                img.Pixels[(y * Width + x) * 4 + 1] = 30;
                img.Pixels[(y * Width + x) * 4 + 2] = 30;
            }
        }

        ImageCodec.Save(img, path);
    }

    /// <summary>A temp root with img/ (holding a.png) and the out/ path; <see cref="Input"/> writes rows.jsonl.
    /// </summary>
    public sealed class Folder
    {
        public Folder(string prefix)
        {
            Root = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
            Images = Path.Combine(Root, "img");
            Out = Path.Combine(Root, "out");
            Directory.CreateDirectory(Path.Combine(Images, "sub"));
            WriteImage(Path.Combine(Images, "a.png"));
        }

        public string Root { get; }

        public string Images { get; }

        public string Out { get; }

        public string Input(params string[] lines)
        {
            string path = Path.Combine(Root, "rows.jsonl");
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
            return path;
        }

        public void Delete()
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
    }

    public static string Mmpr(string image, string boxes = "") =>
        $$"""{"image": "{{image}}", "question": "What colour is the square?", "chosen": "It is red.", "rejected": "It is blue."{{boxes}}}""";

    public static string Triple(string image) =>
        $$"""{"image_path": "{{image}}", "question": "How many squares?", "answer": "1", "chosen": "One square.", "rejected_perception_1": "Two squares.", "rejected_perception_answer_1": "2", "rejected_perception_2": "Five circles.", "rejected_perception_answer_2": "5"}""";
}
