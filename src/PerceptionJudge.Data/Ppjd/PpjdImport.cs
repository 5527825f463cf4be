using System.Security.Cryptography;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>
/// Builds PPJD folders from external JSONL (the library under <c>pjudge ppjd build --input/--triples</c>).
/// Both importers stream: rows are read, perturbed and encoded in parallel windows of 4 × cores, then written in
/// line order and forgotten, so memory stays flat. A row's seed is Derive(seed, line) and its image stem is its
/// 1-based line (images/000042-original.png), so a build is byte-identical for a seed on any machine and every
/// record traces back to its input line. A bad row (bad JSON,
/// missing or ill-typed field, missing or unreadable image, bad box) is reported through <c>report</c> with its
/// line and counted in dataset.json <c>skipped</c> and, per kind of reason, <c>skipped_by_reason</c>; unknown extra
/// fields are reported as warnings and the row kept. A build that writes no pair throws a
/// <see cref="DataException"/> summarising the reasons (the CLI exits 2) and leaves no manifest. With
/// <see cref="PpjdImportOptions.Strict"/> the first of either throws a <see cref="DataException"/> naming the input
/// file and line.
/// </summary>
public static class PpjdImport
{
    private static readonly string[] s_mmprFields = ["image", "question", "chosen", "rejected", "boxes", "box_format"];

    private static readonly string[] s_tripleFields =
    [
        "image_path", "question", "answer", "chosen", "rejected_perception_1", "rejected_perception_answer_1",
        "rejected_perception_2", "rejected_perception_answer_2",
    ];

    /// <summary>
    /// MMPR-style rows <c>{image, question, chosen, rejected, boxes?, box_format?}</c> (boxes as
    /// <see cref="RowBoxes"/> reads them). Each row gives one image pair: the original and a variant made by
    /// <see cref="MmprEdit"/> (an edit of the box the question is about that changes its answer, or non-semantic
    /// noise when the row has no boxes); a row whose question no edit can change is skipped. Records (see
    /// <see cref="MmprRecords"/>): on the original, score chosen = 1, score rejected = 0 and pair chosen vs rejected; on a semantic variant only score chosen = 0; on a noise
    /// variant score chosen = 1 and the same pair with the same label.
    /// </summary>
    public static PpjdDatasetInfo BuildMmpr(string outDir, PpjdImportOptions options,
        Action<PpjdRowIssue>? report = null, IProgress<int>? progress = null) =>
        Run(outDir, options, "ppjd-mmpr", s_mmprFields, report, progress, row =>
        {
            string question = row.String("question"), chosen = row.String("chosen"),
                rejected = row.String("rejected"), image = row.String("image");
            var raw = row.Boxes("boxes");
            var format = row.OptionalString("box_format") is { } name
                ? BoxFormats.Parse(name) ?? throw new RowException(RowException.BadBox,
                    $"box_format '{name}' is not one of {string.Join(", ", BoxFormats.Names)}")
                : options.BoxFormat;
            var original = LoadImage(options.ImageDir, image);
            var boxes = RowBoxes.ToPixels(raw, format, original.Width, original.Height);
            ulong seed = HashRng.Derive(options.Seed, (ulong)row.Line);
            var edit = MmprEdit.Make(original, boxes, question, chosen, seed);
            string stem = $"{row.Line:D6}";
            byte[] origPng = ImageCodec.EncodePng(original), pertPng = ImageCodec.EncodePng(edit.Image);
            var p = new MmprRow(stem, seed, $"images/{stem}-original.png", $"images/{stem}-perturbed.png",
                Sha256(origPng), Sha256(pertPng), question, chosen, rejected, edit.Semantic, edit.Perturbation);
            return new PreparedPair(0, edit.Perturbation.Kind, p.OriginalImage, origPng, p.PerturbedImage,
                pertPng, MmprRecords.For(p).ToList());
        });

    /// <summary>
    /// Text-side triples <c>{image_path, question, answer, chosen, rejected_perception_1,
    /// rejected_perception_answer_1, rejected_perception_2, rejected_perception_answer_2}</c> with target order
    /// chosen ≻ rejected_perception_1 ≻ rejected_perception_2. The image is not perturbed (perturbation kind
    /// "none"; original and perturbed paths name the same file). Records: one batch_ranking of the three
    /// responses in seeded letters with the ground-truth permutation (letters best-first, e.g. "BCA"), and the
    /// three pair records it implies, each in seeded order, labelled with the better response's letter.
    /// </summary>
    public static PpjdDatasetInfo BuildTriples(string outDir, PpjdImportOptions options,
        Action<PpjdRowIssue>? report = null, IProgress<int>? progress = null) =>
        Run(outDir, options, "ppjd-triples", s_tripleFields, report, progress, row =>
        {
            var v = s_tripleFields.ToDictionary(f => f, row.String);
            var image = LoadImage(options.ImageDir, v["image_path"]);
            ulong seed = HashRng.Derive(options.Seed, (ulong)row.Line);
            string stem = $"{row.Line:D6}", path = $"images/{stem}-original.png";
            byte[] png = ImageCodec.EncodePng(image);
            var t = new TripleRow(stem, seed, path, Sha256(png), v["question"],
                [v["chosen"], v["rejected_perception_1"], v["rejected_perception_2"]]);
            return new PreparedPair(0, "none", path, png, path, png, TripleRecords.For(t).ToList());
        });

    private static PpjdDatasetInfo Run(string outDir, PpjdImportOptions options, string name, string[] known,
        Action<PpjdRowIssue>? report, IProgress<int>? progress, Func<InputRow, PreparedPair> prepare)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.ImageDir))
        {
            throw new DataException(options.ImageDir, "image folder not found");
        }

        if (!File.Exists(options.InputPath))
        {
            throw new DataException(options.InputPath, "input file not found");
        }

        var rows = InputRow.Read(options.InputPath);
        using var writer = new PpjdWriter(outDir);
        var skipped = new Dictionary<string, int>();
        void Issue(int line, string reason, string? category)
        {
            if (options.Strict)
            {
                throw new DataException(options.InputPath, reason, line);
            }

            if (category is not null)
            {
                skipped[category] = skipped.GetValueOrDefault(category) + 1;
            }

            report?.Invoke(new PpjdRowIssue(line, reason, category is not null, category ?? ""));
        }

        // Rows are prepared (decode, perturb, encode, hash) in parallel windows of 4 × cores and written, and
        // their issues reported, in line order: the output and the report do not depend on the thread count.
        int window = 4 * Environment.ProcessorCount;
        var batch = new List<(int Line, InputRow? Row, string? Error)>(window);
        var results = new (PreparedPair? Pair, RowException? Error)[window];
        void Flush()
        {
            Parallel.For(0, batch.Count, k =>
            {
                try
                {
                    results[k] = batch[k].Row is { } row ? (prepare(row), null)
                        : (null, new RowException(RowException.BadJson, batch[k].Error!));
                }
                catch (RowException e)
                {
                    results[k] = (null, e);
                }
            });
            for (int k = 0; k < batch.Count; k++)
            {
                var (line, row, _) = batch[k];
                foreach (string unknown in row?.UnknownFields(known) ?? [])
                {
                    Issue(line, $"unknown field '{unknown}'", category: null);
                }

                if (results[k].Pair is { } pair)
                {
                    writer.Add(pair with { Index = writer.Pairs });
                }
                else
                {
                    Issue(line, results[k].Error!.Message, results[k].Error!.Category);
                }

                results[k] = default;
            }

            batch.Clear();
            progress?.Report(writer.Pairs);
        }

        foreach (var item in rows)
        {
            batch.Add(item);
            if (batch.Count == window)
            {
                Flush();
            }
        }

        Flush();
        if (writer.Pairs == 0)
        {
            throw new DataException(options.InputPath, skipped.Count == 0 ? "built nothing: the input has no rows"
                : $"built nothing: {skipped.Values.Sum()} rows skipped ({SkipSummary(skipped)})");
        }

        return writer.Complete(name, options.InputPath, options.Seed, skipped.Values.Sum(), skipped);
    }

    /// <summary>"bad box 3, image not found 1": counts per reason, largest first, then by name.</summary>
    public static string SkipSummary(IReadOnlyDictionary<string, int> skippedByReason) =>
        string.Join(", ", skippedByReason.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key} {kv.Value}"));

    private static Rgba8Image LoadImage(string dir, string relative)
    {
        string full = Path.Combine(dir, relative);
        if (!File.Exists(full))
        {
            throw new RowException(RowException.ImageNotFound, $"image not found: {relative}");
        }

        try
        {
            return ImageCodec.Load(full);
        }
        catch (DataException e)
        {
            throw new RowException(RowException.UnreadableImage, $"unreadable image {relative}: {e.Message}");
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
