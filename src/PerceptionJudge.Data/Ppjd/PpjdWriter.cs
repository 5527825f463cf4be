using System.Security.Cryptography;
using System.Text.Json;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Synthetic;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>
/// Streams a PPJD dataset folder: images/ (PNG pairs), manifest.jsonl (one <see cref="PpjdRecord"/> a line) and,
/// on <see cref="Complete"/>, dataset.json. Each pair is written and forgotten, so memory stays flat however
/// many pairs are added. The manifest is written to a temp file and renamed at the end: an interrupted build
/// leaves no manifest that looks complete.
/// </summary>
public sealed class PpjdWriter : IDisposable
{
    private readonly string _dir;
    private readonly string _manifestTemp;
    private readonly StreamWriter _manifest;
    private readonly Dictionary<string, int> _byTask = new();
    private readonly Dictionary<string, int> _byKind = new();
    private int _pairs;
    private int _records;
    private bool _completed;

    /// <summary>Creates <paramref name="outDir"/> and its images/ folder and opens the manifest.</summary>
    public PpjdWriter(string outDir)
    {
        _dir = Path.GetFullPath(outDir);
        try
        {
            Directory.CreateDirectory(Path.Combine(_dir, "images"));
            _manifestTemp = Path.Combine(_dir, $"manifest.jsonl.{Environment.ProcessId}.tmp");
            _manifest = new StreamWriter(_manifestTemp, append: false) { NewLine = "\n" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException(outDir, $"cannot create the dataset folder: {e.Message}", inner: e);
        }
    }

    /// <summary>Pairs written so far.</summary>
    public int Pairs => _pairs;

    /// <summary>Manifest lines written so far.</summary>
    public int Records => _records;

    /// <summary>Writes the two images of <paramref name="edit"/> and its judge records.</summary>
    public void Add(SceneEdit edit, ulong seed) => Add(Prepare(edit, seed, _pairs));

    /// <summary>
    /// The CPU-heavy half of <see cref="Add(SceneEdit, ulong)"/> (PNG encoding, hashing, records) for pair
    /// <paramref name="index"/>: no I/O and no shared state, so pairs can be prepared in parallel. A positive
    /// <paramref name="imageSize"/> stores each image area-averaged to that size squared
    /// (<see cref="ImageResize.AreaAverage"/>, the resize the trainer applies when it loads an image): a model reading
    /// <paramref name="imageSize"/>² pixels gets exactly the pixels it would get from the full-size file.
    /// </summary>
    internal static PreparedPair Prepare(SceneEdit edit, ulong seed, int index, int imageSize = 0)
    {
        ArgumentNullException.ThrowIfNull(edit);
        ArgumentOutOfRangeException.ThrowIfNegative(imageSize);
        Rgba8Image Stored(Scene scene)
        {
            var image = scene.ToImage();
            return imageSize > 0 ? ImageResize.AreaAverage(image, imageSize, imageSize) : image;
        }

        string stem = $"{index:D6}";
        byte[] orig = ImageCodec.EncodePng(Stored(edit.Original));
        byte[] pert = ImageCodec.EncodePng(Stored(edit.Perturbed));
        string origPath = $"images/{stem}-original.png", pertPath = $"images/{stem}-perturbed.png";
        string kind = edit.Original.Questions.FirstOrDefault(q => q.Question == edit.Question)?.Kind ?? "count";
        var perturbation = new PpjdPerturbation(edit.Kind, edit.Description, edit.Operation.Describe());
        var pair = new PpjdPair(stem, seed, origPath, pertPath, Sha256(orig), Sha256(pert), edit.Question, kind,
            edit.OriginalAnswer, edit.PerturbedAnswer, perturbation, edit.Original.Describe(), edit.Perturbed.Describe());
        return new PreparedPair(index, edit.Kind, origPath, orig, pertPath, pert, PpjdRecords.For(pair).ToList());
    }

    /// <summary>Writes a prepared pair; pairs must arrive in index order.</summary>
    internal void Add(PreparedPair pair)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (pair.Index != _pairs)
        {
            throw new InvalidOperationException($"pair {pair.Index} added out of order; expected {_pairs}");
        }

        ImageCodec.WriteAtomically(Path.Combine(_dir, pair.OriginalPath), pair.OriginalPng);
        ImageCodec.WriteAtomically(Path.Combine(_dir, pair.PerturbedPath), pair.PerturbedPng);
        foreach (var record in pair.Records)
        {
            _manifest.WriteLine(JsonSerializer.Serialize(record, PpjdJson.Line));
            _byTask[record.Task] = _byTask.GetValueOrDefault(record.Task) + 1;
            _records++;
        }

        _byKind[pair.Kind] = _byKind.GetValueOrDefault(pair.Kind) + 1;
        _pairs++;
    }

    /// <summary>Closes the manifest, moves it into place and writes dataset.json.</summary>
    public PpjdDatasetInfo Complete(string name, string source, ulong seed, int skipped = 0,
        IReadOnlyDictionary<string, int>? skippedByReason = null)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        _manifest.Dispose();
        File.Move(_manifestTemp, Path.Combine(_dir, "manifest.jsonl"), overwrite: true);
        var info = new PpjdDatasetInfo(name, PpjdBuilder.Version, source, seed, _pairs, _records,
            new SortedDictionary<string, int>(_byTask), new SortedDictionary<string, int>(_byKind), skipped,
            skippedByReason is null ? null : new SortedDictionary<string, int>(skippedByReason.ToDictionary()));
        ImageCodec.WriteAtomically(Path.Combine(_dir, "dataset.json"),
            JsonSerializer.SerializeToUtf8Bytes(info, PpjdJson.Document));
        return info;
    }

    /// <summary>Closes the manifest; an incomplete build deletes its temp manifest.</summary>
    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _manifest.Dispose();
        File.Delete(_manifestTemp);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>A pair ready to write: encoded images and its manifest records.</summary>
internal sealed record PreparedPair(int Index, string Kind, string OriginalPath, byte[] OriginalPng,
    string PerturbedPath, byte[] PerturbedPng, IReadOnlyList<PpjdRecord> Records);
