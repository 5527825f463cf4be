namespace PerceptionJudge.Cli;

internal static class Program
{
    private static int Main(string[] args) => new PjudgeApp(Console.Out, Console.Error).Run(args);
}
