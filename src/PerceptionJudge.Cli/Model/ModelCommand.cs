using System.CommandLine;

namespace PerceptionJudge.Cli.Model;

/// <summary>
/// <c>pjudge model</c>: tools for checking a checkpoint against a reference implementation (issue 25). Subcommands:
/// <c>compare</c> (<see cref="CompareCommand"/>).
/// </summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Command("model", "Check a checkpoint against a reference: compare tensor dumps");
        model.Add(CompareCommand.Create(stdout));
        return model;
    }
}
