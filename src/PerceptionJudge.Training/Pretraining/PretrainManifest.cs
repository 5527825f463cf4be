using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PerceptionJudge.Training.Pretraining;

/// <summary>
/// <c>manifest.json</c> beside a pretrained model: how it was made (the exact command, its config overrides, the
/// seed, the source commit, the wall time), the SHA-256 of every model file, and its own held-out figures.
/// <see cref="Verify"/> recomputes the hashes, so a committed model can be checked against its manifest.
/// </summary>
public sealed record PretrainManifest(string Command, string Commit, ulong Seed, double WallMinutes, string Created,
    IReadOnlyDictionary<string, string> Files, IReadOnlyDictionary<string, double> HeldOut)
{
    /// <summary>The manifest's file name.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The model files a manifest covers.</summary>
    public static IReadOnlyList<string> ModelFiles { get; } = ["config.json", "model.safetensors"];

    /// <summary>Hex SHA-256 of each of <see cref="ModelFiles"/> in <paramref name="folder"/>.</summary>
    public static Dictionary<string, string> Hash(string folder) =>
        ModelFiles.ToDictionary(f => f, f => Sha256(Path.Combine(folder, f)), StringComparer.Ordinal);

    /// <summary>Writes the manifest into <paramref name="folder"/> (temporary file, then rename).</summary>
    public void Write(string folder)
    {
        var json = new JsonObject
        {
            ["command"] = Command,
            ["commit"] = Commit,
            ["seed"] = Seed,
            ["wall_minutes"] = Math.Round(WallMinutes, 1),
            ["created"] = Created,
            ["files"] = new JsonObject(Files.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
            ["held_out"] = new JsonObject(HeldOut.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)Math.Round(h.Value, 4)))),
        };
        string path = Path.Combine(folder, FileName);
        File.WriteAllText(path + ".tmp", json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads <c>manifest.json</c> from <paramref name="folder"/>.</summary>
    public static PretrainManifest Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new TrainingException(path, "no pretrain manifest here; make one with `pjudge pretrain`");
        }

        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            return new PretrainManifest(
                (string)o["command"]!, (string)o["commit"]!, (ulong)o["seed"]!, (double)o["wall_minutes"]!,
                (string)o["created"]!,
                o["files"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal),
                o["held_out"]!.AsObject().ToDictionary(p => p.Key, p => (double)p.Value!, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException
            or FormatException)
        {
            throw new TrainingException(path, $"is not a pretrain manifest ({e.Message})", inner: e);
        }
    }

    /// <summary>
    /// The files of <paramref name="folder"/> whose SHA-256 differs from its manifest's, or that are missing, each
    /// with the reason; empty when everything matches.
    /// </summary>
    public static List<string> Verify(string folder)
    {
        var manifest = Read(folder);
        var problems = new List<string>();
        foreach (var (file, expected) in manifest.Files)
        {
            string path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                problems.Add($"{path}: missing");
            }
            else if (Sha256(path) is var actual && actual != expected)
            {
                problems.Add($"{path}: SHA-256 {actual}, manifest says {expected}");
            }
        }

        return problems;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
