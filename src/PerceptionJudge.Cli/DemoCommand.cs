using System.CommandLine;
using PerceptionJudge.Cli.Ppjd;
using PerceptionJudge.Data.Ppjd;

namespace PerceptionJudge.Cli;

/// <summary>
/// <c>pjudge demo</c>: the main job on its embedded default, the synthetic-scene data. Today it builds a synthetic
/// PPJD (scenes, semantic edits, judge records for all three tasks), validates it and writes the contact sheet;
/// GRPO training of the judge on it joins when the trainer lands.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var outDir = new Option<string>("--out")
        {
            Description = "Folder for the demo's outputs",
            DefaultValueFactory = _ => Path.Combine("artifacts", "demo"),
        };
        var pairs = new Option<int>("--pairs") { Description = "Synthetic pairs", DefaultValueFactory = _ => 32 };
        var demo = new Command("demo", "Run the synthetic-scene demo: build, validate and preview a PPJD")
        {
            outDir, pairs,
        };
        demo.SetAction(parse =>
        {
            string dir = Path.Combine(parse.GetValue(outDir)!, "ppjd");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true); // a rerun replaces its own output, nothing else
            }

            PpjdCommand.Build(dir, System.Math.Max(1, parse.GetValue(pairs)), 20261122, stdout, stderr);
            stdout.WriteLine($"validated {PpjdManifest.Validate(dir)} records (labels, image SHA-256, counts)");
            string sheet = Path.Combine(parse.GetValue(outDir)!, "contact-sheet.png");
            int shown = PpjdCommand.Preview(dir, sheet, 8);
            stdout.WriteLine($"contact sheet: {sheet} ({shown} original/perturbed pairs, each edit labelled)");
            return 0;
        });
        return demo;
    }
}
