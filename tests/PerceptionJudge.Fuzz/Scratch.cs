namespace PerceptionJudge.Fuzz;

/// <summary>
/// A per-target temporary folder for the parsers that read files: created once per process with its fixed
/// companions (a shard, an image), and the input written into it before each run. File-based targets go through the
/// same open/read path a user's file does (memory maps, line readers), not a string shortcut.
/// </summary>
public sealed class Scratch
{
    private readonly Lazy<string> _root;

    /// <summary>A scratch area for <paramref name="name"/>; <paramref name="setUp"/> fills it once, on first use.
    /// </summary>
    public Scratch(string name, Action<string>? setUp = null)
    {
        _root = new Lazy<string>(() =>
        {
            string root = Path.Combine(ProcessRoot, name);
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
            Directory.CreateDirectory(root);
            setUp?.Invoke(root);
            return root;
        });
    }

    /// <summary>This process's folder of every scratch area.</summary>
    public static string ProcessRoot => Path.Combine(Path.GetTempPath(), $"pjudge-fuzz-{Environment.ProcessId}");

    /// <summary>The folder (created on first use).</summary>
    public string Root => _root.Value;

    /// <summary>Writes <paramref name="input"/> as <paramref name="fileName"/> in the folder; returns its path.</summary>
    public string Write(string fileName, byte[] input)
    {
        string path = Path.Combine(Root, fileName);
        File.WriteAllBytes(path, input);
        return path;
    }

    /// <summary>A fresh empty sub-folder <paramref name="name"/> (an output folder a run writes into).</summary>
    public string Fresh(string name)
    {
        string path = Path.Combine(Root, name);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        return path;
    }
}
