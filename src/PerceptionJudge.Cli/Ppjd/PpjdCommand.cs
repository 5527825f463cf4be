using System.CommandLine;
using PerceptionJudge.Data;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Cli.Ppjd;

/// <summary>
/// <c>pjudge ppjd build --synthetic N --out DIR [--seed S]</c>, <c>pjudge ppjd validate DIR</c> and
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

    /// <summary>Builds a synthetic PPJD folder and prints its summary; progress goes to stderr.</summary>
    internal static PpjdDatasetInfo Build(string outDir, int pairs, ulong seed, TextWriter stdout, TextWriter stderr)
    {
        var info = PpjdBuilder.BuildSynthetic(outDir, pairs, seed, progress: new SyncProgress(stderr, pairs));
        stdout.WriteLine($"built {info.Pairs} image pairs, {info.Records} judge records in {outDir}");
        stdout.WriteLine($"  by task: {Counts(info.RecordsByTask)}");
        stdout.WriteLine($"  by edit: {Counts(info.PairsByPerturbation)}");
        return info;
    }

    /// <summary>Renders the first <paramref name="pairs"/> distinct image pairs of a dataset to a PNG sheet.</summary>
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
                rows.Add(new ContactSheetRow(
                    ImageCodec.Load(Path.Combine(dir, record.OriginalImage)),
                    ImageCodec.Load(Path.Combine(dir, record.PerturbedImage)),
                    record.Perturbation.Description));
            }
        }

        if (rows.Count == 0)
        {
            throw new DataException(Path.Combine(dir, "manifest.jsonl"), "no records to preview");
        }

        ImageCodec.Save(ContactSheet.Render(rows), sheetPath);
        return rows.Count;
    }

    private static Command CreateBuild(TextWriter stdout, TextWriter stderr)
    {
        var synthetic = new Option<int>("--synthetic")
        {
            Description = "Number of synthetic scene pairs to generate",
            Required = true,
        };
        synthetic.Validators.Add(r =>
        {
            if (r.GetValue(synthetic) < 1)
            {
                r.AddError("--synthetic must be at least 1");
            }
        });
        var outDir = new Option<string>("--out") { Description = "Dataset folder to write", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Base seed", DefaultValueFactory = _ => 20261122 };
        var build = new Command("build", "Build a PPJD folder: manifest.jsonl, dataset.json and the images")
        {
            synthetic, outDir, seed,
        };
        build.SetAction(parse =>
        {
            Build(parse.GetValue(outDir)!, parse.GetValue(synthetic), parse.GetValue(seed), stdout, stderr);
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

    /// <summary>Reports on the builder's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress(TextWriter stderr, int total) : IProgress<int>
    {
        public void Report(int value) => stderr.WriteLine($"ppjd: {value}/{total} pairs");
    }
}
