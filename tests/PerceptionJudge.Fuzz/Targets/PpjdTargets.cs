using PerceptionJudge.Data;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Fuzz.Targets;

/// <summary>
/// Dataset files: a PPJD folder's <c>manifest.jsonl</c> (read, then validated against the folder's real images),
/// MMPR-style rows and text-side triples imported into a PPJD (their boxes drive the image edit).
/// </summary>
public static class PpjdTargets
{
    /// <summary>Import inputs are cut after this many lines: each row costs two PNG encodes, not parsing.</summary>
    public const int MaxImportLines = 16;

    /// <summary>The seed of the one-pair synthetic PPJD the manifest target validates against.</summary>
    public const ulong ManifestSeed = 7;

    private static readonly string[] s_tokens =
    [
        "\"id\"", "\"task\"", "\"seed\"", "\"image\"", "\"original_image\"", "\"perturbed_image\"",
        "\"original_sha256\"", "\"perturbed_sha256\"", "\"question\"", "\"responses\"", "\"correct_for\"",
        "\"label\"", "\"perturbation\"", "\"facts\"", "\"score\"", "\"pair\"", "\"batch_ranking\"", "\"original\"",
        "\"perturbed\"", "\"chosen\"", "\"rejected\"", "\"boxes\"", "\"image_path\"", "\"answer\"",
        "\"rejected_perception_1\"", "\"rejected_perception_answer_1\"", "\"rejected_perception_2\"",
        "\"rejected_perception_answer_2\"", "\"a.png\"", "\"/dev/zero\"", "\"../a.png\"", "null", "[]", "{}",
        "1e308", "-1e308", "18446744073709551615", "\n",
    ];

    // The committed one-pair PPJD (write-seeds builds it), copied rather than built: under AFL++ the instrumented
    // scene renderer takes longer than the first input's timeout.
    private static readonly Scratch s_manifest = new("ppjd-manifest", root => CopyFolder(OnePairFolder, root));

    private static readonly Scratch s_mmpr = new("mmpr-rows", WriteImage);

    private static readonly Scratch s_triples = new("text-triples", WriteImage);

    /// <summary>The committed one-pair synthetic PPJD beside the assembly (<see cref="SeedCorpus"/> writes it).
    /// </summary>
    public static string OnePairFolder => Path.Combine(AppContext.BaseDirectory, "fixtures", "ppjd-one-pair");

    /// <summary>The targets of this family.</summary>
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "ppjd-manifest", "a PPJD manifest.jsonl: PpjdManifest.Read of every record, then PpjdManifest.Validate",
            ReadManifest, [typeof(DataException)], s_tokens);
        yield return new FuzzTarget(
            "mmpr-rows", "MMPR-style JSONL rows with boxes: PpjdImport.BuildMmpr (first 16 lines)",
            input => Import(s_mmpr, input, PpjdImport.BuildMmpr), [typeof(DataException)], s_tokens, 400);
        yield return new FuzzTarget(
            "text-triples", "text-side triples JSONL: PpjdImport.BuildTriples (first 16 lines)",
            input => Import(s_triples, input, PpjdImport.BuildTriples), [typeof(DataException)], s_tokens, 400);
    }

    private static void ReadManifest(byte[] input)
    {
        s_manifest.Write("manifest.jsonl", input);
        int count = 0;
        foreach (var record in PpjdManifest.Read(s_manifest.Root))
        {
            count += record.Responses.Count + record.Label.Length + record.ShownImage.Length;
            count += record.ShownFacts?.Length ?? 0;
        }
        GC.KeepAlive(count);
        PpjdManifest.Validate(s_manifest.Root);
    }

    private static void Import(Scratch scratch, byte[] input,
        Func<string, PpjdImportOptions, Action<PpjdRowIssue>?, IProgress<int>?, PpjdDatasetInfo> build)
    {
        string path = scratch.Write("input.jsonl", FirstLines(input, MaxImportLines));
        var info = build(scratch.Fresh("out"), new PpjdImportOptions(path, scratch.Root, Seed: 3), null, null);
        GC.KeepAlive(info);
    }

    private static byte[] FirstLines(byte[] input, int lines)
    {
        int seen = 0;
        for (int i = 0; i < input.Length; i++)
        {
            if (input[i] == (byte)'\n' && ++seen == lines)
            {
                return input[..i];
            }
        }
        return input;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static void WriteImage(string root)
    {
        var image = Rgba8Image.Filled(16, 16, 200, 40, 40);
        File.WriteAllBytes(Path.Combine(root, "a.png"), ImageCodec.EncodePng(image));
    }
}
