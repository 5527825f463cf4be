using System.Globalization;
using System.Text;

namespace PerceptionJudge.Training.Checkpoints;

/// <summary>
/// Atomic checkpoint folders under <c>&lt;run&gt;/checkpoints</c>. A save writes <c>.tmp-step-000010-&lt;pid&gt;/</c>,
/// fsyncs every file, writes the completion marker (<see cref="CheckpointManifest"/>) last, renames the folder to
/// <c>step-000010/</c>, replaces the text file <c>latest</c> atomically (temp file, fsync, rename over), then prunes
/// all but the newest <see cref="KeepLast"/>. A kill at any point leaves the previous checkpoint loadable: leftover
/// <c>.tmp-*</c> entries are ignored and removed at the next save, and a <c>latest</c> naming a missing or incomplete
/// folder falls back to the newest complete one. One writer per run folder.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>The name of the file naming the newest checkpoint folder.</summary>
    public const string LatestFileName = "latest";

    private const string TempPrefix = ".tmp-";
    private readonly Action<string>? _log;

    /// <summary>A store in <paramref name="runFolder"/>/checkpoints.</summary>
    /// <param name="runFolder">The run's output folder.</param>
    /// <param name="keepLast">How many complete checkpoints to keep (at least 1).</param>
    /// <param name="log">Gets notices: a fallback from a bad <c>latest</c>, removed leftovers, a failed prune.</param>
    public CheckpointStore(string runFolder, int keepLast, Action<string>? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        Folder = Path.Combine(runFolder, "checkpoints");
        KeepLast = keepLast;
        _log = log;
    }

    /// <summary>The checkpoints folder.</summary>
    public string Folder { get; }

    /// <summary>How many complete checkpoints are kept.</summary>
    public int KeepLast { get; }

    /// <summary>The folder name of step <paramref name="step"/>: <c>step-000010</c>.</summary>
    public static string FolderName(int step) => $"step-{step.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Saves step <paramref name="step"/>: <paramref name="writeFiles"/> writes the checkpoint's files into the
    /// folder it is given (a temporary one). Returns the final folder. An I/O failure (disk full, permissions) is a
    /// <see cref="TrainingException"/> naming the last good checkpoint; any failure removes the temporary folder and
    /// leaves <c>latest</c> as it was.
    /// </summary>
    public string Save(int step, Action<string> writeFiles)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        string name = FolderName(step);
        string final = Path.Combine(Folder, name);
        string temp = Path.Combine(Folder, $"{TempPrefix}{name}-{Environment.ProcessId}");
        string? lastGood = null;
        try
        {
            lastGood = Directory.Exists(Folder) ? NewestCompleteName() : null;
            Directory.CreateDirectory(Folder);
            RemoveLeftovers();
            Directory.CreateDirectory(temp);
            writeFiles(temp);
            PhaseStall.Reach(PhaseStall.Checkpoint, step);
            CheckpointManifest.Seal(temp, step);
            MoveIntoPlace(temp, final, name);
            WriteLatest(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temp);
            string previous = lastGood is null
                ? "there is no earlier checkpoint"
                : $"the last good checkpoint '{Path.Combine(Folder, lastGood)}' is intact";
            throw new TrainingException(final, $"the checkpoint save of step {step} failed ({e.Message}). Free " +
                $"disk space or fix the folder's permissions, then resume; {previous}", inner: e);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
        Prune(step);
        return final;
    }

    /// <summary>
    /// The checkpoint to resume from: the folder <c>latest</c> names if it is complete, else the newest complete one.
    /// Its files are verified against the completion marker; a damaged file is a <see cref="TrainingException"/>
    /// naming it. False when there is no complete checkpoint.
    /// </summary>
    public bool TryLatest(out string folder, out int step)
    {
        (folder, step) = ("", -1);
        if (!Directory.Exists(Folder))
        {
            return false;
        }
        List<(int Step, string Name)> complete = CompleteCheckpoints();
        if (complete.Count == 0)
        {
            return false;
        }
        (int Step, string Name) chosen = complete[^1];
        string latestPath = Path.Combine(Folder, LatestFileName);
        if (File.Exists(latestPath))
        {
            string named = ReadLatest(latestPath);
            int index = complete.FindIndex(c => c.Name == named);
            if (index >= 0)
            {
                chosen = complete[index];
            }
            else
            {
                _log?.Invoke($"'{latestPath}' names '{named}', which is missing or incomplete; resuming from " +
                    $"'{chosen.Name}', the newest complete checkpoint");
            }
        }
        folder = Path.Combine(Folder, chosen.Name);
        step = chosen.Step;
        CheckpointManifest.Verify(folder, step);
        return true;
    }

    /// <summary>Complete checkpoints (a <c>step-N</c> folder with its marker), oldest first.</summary>
    public IReadOnlyList<(int Step, string Folder)> List() =>
        Directory.Exists(Folder)
            ? CompleteCheckpoints().Select(c => (c.Step, Path.Combine(Folder, c.Name))).ToList()
            : [];

    private List<(int Step, string Name)> CompleteCheckpoints()
    {
        var found = new List<(int Step, string Name)>();
        foreach (string dir in Directory.EnumerateDirectories(Folder, "step-*"))
        {
            string name = Path.GetFileName(dir);
            if (int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int step) &&
                name == FolderName(step) && File.Exists(Path.Combine(dir, CheckpointManifest.FileName)))
            {
                found.Add((step, name));
            }
        }
        found.Sort((a, b) => a.Step.CompareTo(b.Step));
        return found;
    }

    private string? NewestCompleteName()
    {
        List<(int Step, string Name)> complete = CompleteCheckpoints();
        string latestPath = Path.Combine(Folder, LatestFileName);
        string? named = File.Exists(latestPath) ? ReadLatest(latestPath) : null;
        return complete.Any(c => c.Name == named) ? named : complete.Count > 0 ? complete[^1].Name : null;
    }

    private static string ReadLatest(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingException(path, $"cannot read the latest-checkpoint pointer: {e.Message}", inner: e);
        }
    }

    /// <summary>Renames the sealed temp folder to its final name, replacing an earlier save of the same step.</summary>
    private void MoveIntoPlace(string temp, string final, string name)
    {
        if (!Directory.Exists(final))
        {
            Directory.Move(temp, final);
            return;
        }
        string aside = Path.Combine(Folder, $"{TempPrefix}replaced-{name}-{Environment.ProcessId}");
        Directory.Move(final, aside);
        Directory.Move(temp, final);
        Directory.Delete(aside, recursive: true);
    }

    /// <summary>Points <c>latest</c> at <paramref name="name"/>: write a temp file, fsync, rename over.</summary>
    private void WriteLatest(string name)
    {
        string temp = Path.Combine(Folder, $"{TempPrefix}latest-{Environment.ProcessId}");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.UTF8.GetBytes(name + "\n"));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path.Combine(Folder, LatestFileName), overwrite: true);
    }

    /// <summary>Removes what interrupted saves left: <c>.tmp-*</c> folders and files.</summary>
    private void RemoveLeftovers()
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(Folder, TempPrefix + "*"))
        {
            _log?.Invoke($"removing '{entry}', left by an interrupted checkpoint save");
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>
    /// Keeps the just-saved <paramref name="savedStep"/> and the newest <see cref="KeepLast"/> − 1 before it; removes
    /// older ones and any with a later step (left by a run that was resumed from an earlier checkpoint).
    /// </summary>
    private void Prune(int savedStep)
    {
        List<(int Step, string Name)> complete = CompleteCheckpoints();
        var older = complete.Where(c => c.Step < savedStep).ToList();
        IEnumerable<(int Step, string Name)> remove =
            older.Take(Math.Max(0, older.Count - (KeepLast - 1))).Concat(complete.Where(c => c.Step > savedStep));
        foreach ((int _, string name) in remove)
        {
            try
            {
                // Renamed first so that a kill mid-delete never leaves a marked folder with files missing.
                string doomed = Path.Combine(Folder, $"{TempPrefix}pruned-{name}-{Environment.ProcessId}");
                Directory.Move(Path.Combine(Folder, name), doomed);
                Directory.Delete(doomed, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log?.Invoke($"could not remove the old checkpoint '{name}': {e.Message}");
            }
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next save removes any .tmp-* leftover; the failure being reported matters more.
        }
    }
}
