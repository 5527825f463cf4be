using System.Security.Cryptography;
using System.Text.Json;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>Reads and validates a dataset folder written by <see cref="PpjdWriter"/>.</summary>
public static class PpjdManifest
{
    /// <summary>
    /// Streams the records of manifest.jsonl; a bad line is a <see cref="DataException"/> with its number.
    /// </summary>
    public static IEnumerable<PpjdRecord> Read(string dir)
    {
        string path = Path.Combine(dir, "manifest.jsonl");
        if (!File.Exists(path))
        {
            throw new DataException(path, "manifest not found");
        }

        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            PpjdRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<PpjdRecord>(text, PpjdJson.Line);
            }
            catch (JsonException e)
            {
                throw new DataException(path, $"bad JSON: {e.Message}", line, e);
            }

            if (record is null)
            {
                throw new DataException(path, "empty record", line);
            }

            // Nullable annotations of collection elements are not enforced by the serializer.
            if (record.Responses.Any(r => r is null) || record.CorrectFor.Values.Any(v => v is null)
                || record.Facts?.Values.Any(v => v is null) == true)
            {
                throw new DataException(path, "null in responses, correct_for or facts", line);
            }

            // Image paths are read (hashed, decoded) later: a rooted or ".." path would reach any file (/dev/zero).
            if (!InsideFolder(record.OriginalImage) || !InsideFolder(record.PerturbedImage))
            {
                throw new DataException(path, "image paths must be relative and inside the dataset folder", line);
            }

            yield return record;
        }
    }

    private static bool InsideFolder(string relative) =>
        relative.Length > 0 && !Path.IsPathRooted(relative) && !relative.Contains('\0')
        && !relative.Split('/', '\\').Contains("..");

    /// <summary>
    /// Checks every record: known task, label consistent with the task and response count, unique ids, images
    /// present with matching SHA-256, and dataset.json counts. Returns the number of records.
    /// </summary>
    public static int Validate(string dir)
    {
        string manifest = Path.Combine(dir, "manifest.jsonl");
        var hashes = new Dictionary<string, string>();
        var ids = new HashSet<string>();
        int line = 0;
        foreach (var r in Read(dir))
        {
            line++;
            void Fail(string message) => throw new DataException(manifest, message, line);
            if (!ids.Add(r.Id))
            {
                Fail($"duplicate id {r.Id}");
            }

            bool labelOk = r.Task switch
            {
                PpjdTask.Score => r.Responses.Count == 1 && r.Label is "0" or "1",
                PpjdTask.Pair => r.Responses.Count == 2 && r.Label is "A" or "B" or "C",
                PpjdTask.BatchRanking => r.Label.Length == r.Responses.Count
                    && r.Label.Order().SequenceEqual(
                        Enumerable.Range(0, r.Responses.Count).Select(i => (char)('A' + i))),
                _ => false,
            };
            if (!labelOk)
            {
                Fail($"task '{r.Task}' with {r.Responses.Count} responses has invalid label '{r.Label}'");
            }

            if (r.Image is not ("original" or "perturbed") || string.IsNullOrWhiteSpace(r.Question))
            {
                Fail("image must be original or perturbed and the question non-empty");
            }

            var images = new[] { (r.OriginalImage, r.OriginalSha256), (r.PerturbedImage, r.PerturbedSha256) };
            foreach (var (rel, sha) in images)
            {
                if (!hashes.TryGetValue(rel, out var actual))
                {
                    string full = Path.Combine(dir, rel);
                    if (!File.Exists(full))
                    {
                        Fail($"image {rel} is missing");
                    }

                    actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)));
                    hashes[rel] = actual;
                }

                if (actual != sha)
                {
                    Fail($"image {rel} has SHA-256 {actual}, manifest says {sha}");
                }
            }
        }

        string infoPath = Path.Combine(dir, "dataset.json");
        PpjdDatasetInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<PpjdDatasetInfo>(File.ReadAllBytes(infoPath), PpjdJson.Document);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new DataException(infoPath, $"unreadable: {e.Message}", inner: e);
        }

        if (info is null || info.Records != line)
        {
            throw new DataException(infoPath, $"says {info?.Records} records, manifest has {line}");
        }

        return line;
    }
}
