using System.CommandLine;

namespace PerceptionJudge.Cli.Model;

/// <summary>
/// <c>pjudge model</c>: tools for checking a checkpoint against a reference implementation (issue 25). Subcommands:
/// <c>preprocess</c> (<see cref="PreprocessCommand"/>), <c>run</c> (<see cref="RunCommand"/>) and <c>compare</c>
/// (<see cref="CompareCommand"/>).
/// </summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Command("model",
            "Check a checkpoint against a reference: preprocess images, run a forward, compare tensor dumps");
        model.Add(PreprocessCommand.Create(stdout));
        model.Add(RunCommand.Create(stdout));
        model.Add(CompareCommand.Create(stdout));
        return model;
    }
}
