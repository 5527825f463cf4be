using System.Security.Cryptography;
using System.Text.Json;

namespace PerceptionJudge.Training.Checkpoints;

/// <summary>One file of a checkpoint: its '/'-separated path in the folder, byte size and SHA-256 (hex).</summary>
public sealed record CheckpointFile(string Path, long Size, string Sha256);

/// <summary>
/// The completion marker <c>complete.json</c> of a checkpoint folder, written last: the step and every file with its
/// size and SHA-256. A folder without it is incomplete; a file that no longer matches it is damaged.
/// </summary>
public sealed record CheckpointManifest(int Step, IReadOnlyList<CheckpointFile> Files)
{
    /// <summary>The marker's file name.</summary>
    public const string FileName = "complete.json";

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>
    /// Hashes and fsyncs every file under <paramref name="folder"/>, then writes and fsyncs the marker. Called on the
    /// temporary folder before it is renamed into place.
    /// </summary>
    internal static CheckpointManifest Seal(string folder, int step)
    {
        var files = new List<CheckpointFile>();
        IEnumerable<string> paths = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories);
        foreach (string path in paths.Order(StringComparer.Ordinal))
        {
            string relative = System.IO.Path.GetRelativePath(folder, path).Replace('\\', '/');
            if (relative == FileName)
            {
                throw new InvalidOperationException($"a checkpoint writer must not write '{FileName}' itself");
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            string sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            stream.Flush(flushToDisk: true);
            files.Add(new CheckpointFile(relative, stream.Length, sha));
        }
        var manifest = new CheckpointManifest(step, files);
        string markerPath = System.IO.Path.Combine(folder, FileName);
        using (var marker = new FileStream(markerPath, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(marker, manifest, s_options);
            marker.Flush(flushToDisk: true);
        }
        return manifest;
    }

    /// <summary>
    /// Reads the marker of <paramref name="folder"/>; a missing or unreadable one is a <see cref="TrainingException"/>.
    /// </summary>
    public static CheckpointManifest Read(string folder)
    {
        string path = System.IO.Path.Combine(folder, FileName);
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<CheckpointManifest>(stream, s_options) is { Files: not null } manifest
                ? manifest
                : throw new TrainingException(path, "the completion marker is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new TrainingException(path, $"cannot read the checkpoint's completion marker: {e.Message}; " +
                $"delete '{folder}' to resume from an earlier checkpoint", inner: e);
        }
    }

    /// <summary>
    /// Checks that <paramref name="folder"/> holds step <paramref name="step"/> and that each listed file exists with
    /// its recorded size and SHA-256; anything else is a <see cref="TrainingException"/> naming the file.
    /// </summary>
    public static CheckpointManifest Verify(string folder, int step)
    {
        CheckpointManifest manifest = Read(folder);
        string advice = $"delete '{folder}' to resume from an earlier checkpoint";
        if (manifest.Step != step)
        {
            throw new TrainingException(folder, $"the completion marker says step {manifest.Step}, the folder name " +
                $"step {step}; {advice}");
        }
        foreach (CheckpointFile file in manifest.Files)
        {
            string path = System.IO.Path.Combine(folder, file.Path);
            if (!File.Exists(path))
            {
                throw new TrainingException(folder, $"file '{file.Path}' is missing; {advice}");
            }
            using FileStream stream = File.OpenRead(path);
            if (stream.Length != file.Size)
            {
                throw new TrainingException(folder, $"file '{file.Path}' has {stream.Length} bytes, {file.Size} " +
                    $"when saved; it was truncated or changed; {advice}");
            }
            string sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (sha != file.Sha256)
            {
                throw new TrainingException(folder, $"file '{file.Path}' is damaged: its SHA-256 {sha} differs from " +
                    $"{file.Sha256} recorded at save time; {advice}");
            }
        }
        return manifest;
    }
}
