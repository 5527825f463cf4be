using System.Text.Json.Serialization;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>The three judge task types of Perception-Judge.</summary>
public static class PpjdTask
{
    /// <summary>One response, one image: label "1" (right for this image) or "0".</summary>
    public const string Score = "score";

    /// <summary>Responses A and B: label "A", "B" or "C" (tie).</summary>
    public const string Pair = "pair";

    /// <summary>n responses in shuffled letters: label is the ground-truth order best-first, e.g. "BCA".</summary>
    public const string BatchRanking = "batch_ranking";
}

/// <summary>The edit that turns the original image into the perturbed one.</summary>
/// <param name="Kind">recolour, remove, duplicate, swap, glyph, …</param>
/// <param name="Description">The exact edit, e.g. "object 3 (circle) recoloured red→blue".</param>
/// <param name="Operation">The kernel operation with its parameters, e.g. "recolour(target=#2850DC)".</param>
/// <param name="Why">Why the edit changes (or keeps) the answer to the question, e.g. "presence question: \"USB
/// connector\" is removed, so it is no longer there"; written by imports, absent (null) in synthetic manifests.
/// </param>
public sealed record PpjdPerturbation(string Kind, string Description, string Operation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Why = null);

/// <summary>
/// One judge example (one manifest.jsonl line). Both images of the pair are named with their SHA-256, so any
/// example can be checked against the files. <see cref="Image"/> says which of the two the judge is shown;
/// <see cref="CorrectFor"/> maps "original"/"perturbed" to the letter of the response right for that image.
/// </summary>
/// <param name="Id">Unique id, e.g. "00000042-pair-original".</param>
/// <param name="Task">score, pair or batch_ranking (<see cref="PpjdTask"/>).</param>
/// <param name="Seed">The seed that made the scene and the edit.</param>
/// <param name="Image">"original" or "perturbed": the image shown with this example.</param>
/// <param name="OriginalImage">Path of the original image, relative to the dataset folder.</param>
/// <param name="PerturbedImage">Path of the perturbed image, relative to the dataset folder.</param>
/// <param name="OriginalSha256">Lower-case hex SHA-256 of the original image file.</param>
/// <param name="PerturbedSha256">Lower-case hex SHA-256 of the perturbed image file.</param>
/// <param name="Question">The question, identical for both images.</param>
/// <param name="Responses">Responses in letter order A, B, C, …</param>
/// <param name="CorrectFor">Letter of the response right for each image ("" where none is, e.g. a score item).</param>
/// <param name="Label">The target: "1"/"0" (score), "A"/"B"/"C" (pair), a permutation like "BCA" (ranking).</param>
/// <param name="Perturbation">The edit.</param>
/// <param name="Facts">Key visual facts of each image ("original"/"perturbed" → e.g. "a red star, 2 blue circles."),
/// where the builder knows them (synthetic scenes); null for imported records.</param>
public sealed record PpjdRecord(string Id, string Task, ulong Seed, string Image, string OriginalImage,
    string PerturbedImage, string OriginalSha256, string PerturbedSha256, string Question,
    IReadOnlyList<string> Responses, IReadOnlyDictionary<string, string> CorrectFor, string Label,
    PpjdPerturbation Perturbation, IReadOnlyDictionary<string, string>? Facts = null)
{
    /// <summary>Path of the image shown with this example (<see cref="Image"/>'s file); not a manifest field.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ShownImage => Image == "perturbed" ? PerturbedImage : OriginalImage;

    /// <summary>Key visual facts of the shown image (<see cref="Facts"/> of <see cref="Image"/>), or null where the
    /// dataset does not know them; not a manifest field.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ShownFacts => Facts?.GetValueOrDefault(Image);
}

/// <summary>dataset.json: what was built and how much of it.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="BuilderVersion">Version of the builder that wrote it.</param>
/// <param name="Source">"synthetic" or the input path.</param>
/// <param name="Seed">Base seed.</param>
/// <param name="Pairs">Image pairs (original + perturbed).</param>
/// <param name="Records">Manifest lines.</param>
/// <param name="RecordsByTask">Lines per task type.</param>
/// <param name="PairsByPerturbation">Pairs per edit kind.</param>
/// <param name="Skipped">Inputs counted and skipped (none for synthetic builds).</param>
/// <param name="SkippedByReason">Skipped inputs per kind of reason (imports only; absent for synthetic builds).
/// </param>
public sealed record PpjdDatasetInfo(string Name, string BuilderVersion, string Source, ulong Seed, int Pairs,
    int Records, IReadOnlyDictionary<string, int> RecordsByTask, IReadOnlyDictionary<string, int> PairsByPerturbation,
    int Skipped,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<string, int>? SkippedByReason = null);
