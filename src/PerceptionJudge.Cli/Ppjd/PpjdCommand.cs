using System.CommandLine;
using PerceptionJudge.Data;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Cli.Terminal;

namespace PerceptionJudge.Cli.Ppjd;

/// <summary>
/// <c>pjudge ppjd build (--synthetic N [--image-size S] | --input rows.jsonl --images DIR [--box-format F] |
/// --triples rows.jsonl --images DIR) --out DIR [--seed S] [--strict]</c>, <c>pjudge ppjd validate DIR</c> and
/// <c>pjudge ppjd preview DIR [--out sheet.png] [--pairs K]</c>: thin commands over <see cref="PpjdBuilder"/>,
/// <see cref="PpjdManifest"/> and <see cref="ContactSheet"/>.
/// </summary>
internal static class PpjdCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var ppjd = new Command("ppjd", "Build, validate and preview the Perceptual Perturbation Dataset");
        ppjd.Add(CreateBuild(stdout, stderr));
        ppjd.Add(CreateValidate(stdout));
        ppjd.Add(CreatePreview(stdout));
        return ppjd;
    }

    /// <summary>
    /// Builds a synthetic PPJD folder and prints its summary; progress goes to stderr. A positive
    /// <paramref name="imageSize"/> stores the images area-averaged to that size squared (0: the drawn 448²).
    /// </summary>
    internal static PpjdDatasetInfo Build(string outDir, int pairs, ulong seed, TextWriter stdout, TextWriter stderr,
        int imageSize = 0)
    {
        PpjdDatasetInfo info;
        using (var progress = new ProgressLine(stderr, "ppjd", pairs, "pairs"))
        {
            info = PpjdBuilder.BuildSynthetic(outDir, pairs, seed, progress: progress, imageSize: imageSize);
        }

        stdout.WriteLine($"built {info.Pairs} image pairs, {info.Records} judge records in {outDir}");
        stdout.WriteLine($"  by task: {Counts(info.RecordsByTask)}");
        stdout.WriteLine($"  by edit: {Counts(info.PairsByPerturbation)}");
        return info;
    }

    /// <summary>Renders the first <paramref name="pairs"/> distinct image pairs of a dataset to a PNG sheet, each with
    /// its question and its edit (and, for imports, why the edit changes the answer).</summary>
    internal static int Preview(string dir, string sheetPath, int pairs)
    {
        var rows = new List<ContactSheetRow>();
        var seen = new HashSet<string>();
        foreach (var record in PpjdManifest.Read(dir))
        {
            if (rows.Count == pairs)
            {
                break;
            }

            if (seen.Add(record.OriginalImage))
            {
                var edit = record.Perturbation;
                rows.Add(new ContactSheetRow(
                    ImageCodec.Load(Path.Combine(dir, record.OriginalImage)),
                    ImageCodec.Load(Path.Combine(dir, record.PerturbedImage)),
                    edit.Why is null ? edit.Description : $"{edit.Description}. {edit.Why}", record.Question));
            }
        }

        if (rows.Count == 0)
        {
            throw new DataException(Path.Combine(dir, "manifest.jsonl"), "no records to preview");
        }

        ImageCodec.Save(ContactSheet.Render(rows), sheetPath);
        return rows.Count;
    }

    /// <summary>
    /// Imports MMPR-style rows (<paramref name="triples"/> false) or text-side triples and prints the summary;
    /// each bad row is a stderr line <c>skipped line N: reason</c>, each unknown field <c>warning line N: ...</c>.
    /// </summary>
    internal static PpjdDatasetInfo Import(string outDir, PpjdImportOptions options, bool triples,
        TextWriter stdout, TextWriter stderr)
    {
        using var progress = new ProgressLine(stderr, "ppjd", 0, "pairs");
        void Report(PpjdRowIssue issue) =>
            progress.Message(issue.Skipped
                ? $"skipped line {issue.Line}: {issue.Reason}"
                : $"warning line {issue.Line}: {issue.Reason} ignored");
        var info = triples
            ? PpjdImport.BuildTriples(outDir, options, Report, progress)
            : PpjdImport.BuildMmpr(outDir, options, Report, progress);
        progress.Dispose();
        stdout.WriteLine($"built {info.Pairs} image pairs, {info.Records} judge records in {outDir} " +
            $"({info.Skipped} rows skipped)");
        stdout.WriteLine($"  by task: {Counts(info.RecordsByTask)}");
        stdout.WriteLine($"  by edit: {Counts(info.PairsByPerturbation)}");
        if (info.Skipped > 0)
        {
            stdout.WriteLine($"  skipped: {PpjdImport.SkipSummary(info.SkippedByReason!)}");
        }

        return info;
    }

    private static Command CreateBuild(TextWriter stdout, TextWriter stderr)
    {
        var synthetic = new Option<int?>("--synthetic")
        {
            Description = "Number of synthetic scene pairs to generate",
        };
        var input = new Option<string?>("--input")
        {
            Description = "MMPR-style JSONL: image, question, chosen, rejected, optional boxes ([x0,y0,x1,y1] or "
                + "{\"label\": ..., \"bbox\": [...]}) and box_format",
        };
        var boxFormat = new Option<string>("--box-format")
        {
            Description = "How --input box numbers are read unless a row says (box_format): xyxy (pixels, default), "
                + "xywh (COCO), xyxy-norm, xywh-norm (0-1 fractions of the image)",
            DefaultValueFactory = _ => "xyxy",
        };
        boxFormat.AcceptOnlyFromAmong([.. BoxFormats.Names]);
        var triples = new Option<string?>("--triples")
        {
            Description = "Text-side triples JSONL: image_path, question, answer, chosen, rejected_perception_1/2, "
                + "rejected_perception_answer_1/2",
        };
        var images = new Option<string?>("--images") { Description = "Folder the JSONL image paths are relative to" };
        var strict = new Option<bool>("--strict")
        {
            Description = "Fail (exit 2) on the first bad row or unknown field",
        };
        var outDir = new Option<string>("--out") { Description = "Dataset folder to write", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Base seed", DefaultValueFactory = _ => 20261122 };
        var imageSize = new Option<int?>("--image-size")
        {
            Description = "With --synthetic: store images area-averaged to N×N, the pixels a model of input size N "
                + "reads (default: the drawn 448×448)",
        };
        var build = new Command("build", "Build a PPJD folder: manifest.jsonl, dataset.json and the images")
        {
            synthetic, input, triples, images, strict, outDir, seed, imageSize, boxFormat,
        };
        build.Validators.Add(r =>
        {
            int sources = (r.GetValue(synthetic) is null ? 0 : 1) + (r.GetValue(input) is null ? 0 : 1)
                + (r.GetValue(triples) is null ? 0 : 1);
            if (sources != 1)
            {
                r.AddError("give exactly one of --synthetic, --input, --triples");
            }
            else if (r.GetValue(synthetic) is int n && n < 1)
            {
                r.AddError("--synthetic must be at least 1");
            }
            else if (r.GetValue(imageSize) is int size && (r.GetValue(synthetic) is null || size is < 8 or > 448))
            {
                r.AddError("--image-size goes with --synthetic and must be in [8, 448]");
            }
            else if (r.GetValue(synthetic) is null && r.GetValue(images) is null)
            {
                r.AddError("--images is required with --input and --triples");
            }
        });
        build.SetAction(parse =>
        {
            string dir = parse.GetValue(outDir)!;
            if (parse.GetValue(synthetic) is int n)
            {
                Build(dir, n, parse.GetValue(seed), stdout, stderr, parse.GetValue(imageSize) ?? 0);
                return 0;
            }

            string? triplesPath = parse.GetValue(triples);
            var options = new PpjdImportOptions(triplesPath ?? parse.GetValue(input)!, parse.GetValue(images)!,
                parse.GetValue(seed), parse.GetValue(strict), BoxFormats.Parse(parse.GetValue(boxFormat)!)!.Value);
            Import(dir, options, triplesPath is not null, stdout, stderr);
            return 0;
        });
        return build;
    }

    private static Command CreateValidate(TextWriter stdout)
    {
        var dir = new Argument<string>("dir") { Description = "Dataset folder" };
        var validate = new Command("validate", "Check every record, label, image hash and the counts") { dir };
        validate.SetAction(parse =>
        {
            int records = PpjdManifest.Validate(parse.GetValue(dir)!);
            stdout.WriteLine($"{parse.GetValue(dir)}: {records} records valid");
            return 0;
        });
        return validate;
    }

    private static Command CreatePreview(TextWriter stdout)
    {
        var dir = new Argument<string>("dir") { Description = "Dataset folder" };
        var outPath = new Option<string?>("--out") { Description = "PNG to write (default DIR/contact-sheet.png)" };
        var pairs = new Option<int>("--pairs") { Description = "Pairs to show", DefaultValueFactory = _ => 8 };
        var preview = new Command("preview", "Write a PNG contact sheet of original vs perturbed pairs")
        {
            dir, outPath, pairs,
        };
        preview.SetAction(parse =>
        {
            string folder = parse.GetValue(dir)!;
            string sheet = parse.GetValue(outPath) ?? Path.Combine(folder, "contact-sheet.png");
            int shown = Preview(folder, sheet, System.Math.Max(1, parse.GetValue(pairs)));
            stdout.WriteLine($"wrote {sheet} ({shown} pairs)");
            return 0;
        });
        return preview;
    }

    private static string Counts(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
}
