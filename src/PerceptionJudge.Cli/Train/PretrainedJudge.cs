namespace PerceptionJudge.Cli.Train;

/// <summary>
/// The committed pretrained Nano judge (<c>models/nano-judge/</c> in the repository, copied beside the pjudge
/// binary by the build): made by <c>pjudge pretrain</c> on scenes disjoint from the demo's, with its manifest.
/// </summary>
internal static class PretrainedJudge
{
    /// <summary>Where the build puts it, beside the binary.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "models", "nano-judge");
}
