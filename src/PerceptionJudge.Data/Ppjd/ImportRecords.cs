using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>One imported MMPR row with its written image pair.</summary>
internal sealed record MmprRow(string Stem, ulong Seed, string OriginalImage, string PerturbedImage,
    string OriginalSha256, string PerturbedSha256, string Question, string Chosen, string Rejected, bool Semantic,
    PpjdPerturbation Perturbation);

/// <summary>One imported text-side triple; <see cref="Ranked"/> is best-first: chosen, rejected 1, rejected 2.
/// </summary>
internal sealed record TripleRow(string Stem, ulong Seed, string Image, string Sha256, string Question,
    string[] Ranked);

/// <summary>
/// Judge records of an MMPR row. The dataset asserts chosen ≻ rejected for the ORIGINAL image only, so:
/// <list type="bullet">
/// <item>original: score [chosen] "1", score [rejected] "0", pair [chosen, rejected] in seeded order labelled with
/// chosen's letter;</item>
/// <item>semantic variant (recolour/remove inside a box): score [chosen] "0" only. The edit changed what the
/// image shows, so the chosen answer is no longer grounded; rejected was already wrong, for reasons unrelated to
/// the edit, so on the variant both are (probably) wrong and neither "A", "B" nor the tie "C" (both equally good)
/// is a label we can defend; rejected's score on the variant is unknown and not emitted;</item>
/// <item>noise variant (non-semantic): the answers are unchanged, so score [chosen] "1" and the same pair with
/// the same label, shown with the noisy image (robustness examples).</item>
/// </list>
/// <see cref="PpjdRecord.CorrectFor"/> gives chosen's letter for each image where chosen is right there, else "".
/// </summary>
internal static class MmprRecords
{
    public static IEnumerable<PpjdRecord> For(MmprRow p)
    {
        string onPerturbed = p.Semantic ? "" : "A";
        yield return Make(p, PpjdTask.Score, "original", [p.Chosen], Map("A", onPerturbed), "1", "-chosen");
        yield return Make(p, PpjdTask.Score, "original", [p.Rejected], Map("", ""), "0", "-rejected");
        bool flip = (HashRng.Mix(p.Seed, 0x9A1) & 1) == 1;
        string[] ab = flip ? [p.Rejected, p.Chosen] : [p.Chosen, p.Rejected];
        string letter = flip ? "B" : "A";
        yield return Make(p, PpjdTask.Pair, "original", ab, Map(letter, p.Semantic ? "" : letter), letter);
        if (p.Semantic)
        {
            yield return Make(p, PpjdTask.Score, "perturbed", [p.Chosen], Map("A", ""), "0", "-chosen");
        }
        else
        {
            yield return Make(p, PpjdTask.Score, "perturbed", [p.Chosen], Map("A", "A"), "1", "-chosen");
            yield return Make(p, PpjdTask.Pair, "perturbed", ab, Map(letter, letter), letter);
        }
    }

    private static Dictionary<string, string> Map(string original, string perturbed) =>
        new() { ["original"] = original, ["perturbed"] = perturbed };

    private static PpjdRecord Make(MmprRow p, string task, string image, string[] responses,
        Dictionary<string, string> correct, string label, string suffix = "") =>
        new($"{p.Stem}-{task}-{image}{suffix}", task, p.Seed, image, p.OriginalImage, p.PerturbedImage,
            p.OriginalSha256, p.PerturbedSha256, p.Question, responses, correct, label, p.Perturbation);
}

/// <summary>
/// Judge records of a text-side triple (image unchanged, shown as "original"):
/// <list type="bullet">
/// <item>batch_ranking: the three responses in seeded letters; label = letters best-first, so "BCA" means B is
/// chosen, C rejected_perception_1, A rejected_perception_2;</item>
/// <item>pair ×3 (ranks 0v1, 0v2, 1v2): each in seeded order, labelled with the better response's letter.</item>
/// </list>
/// </summary>
internal static class TripleRecords
{
    private static readonly PpjdPerturbation s_none =
        new("none", "text-side triple: the responses differ in perception errors, the image is unchanged", "none");

    public static IEnumerable<PpjdRecord> For(TripleRow t)
    {
        int[] order = Permutation(t.Seed);
        var responses = new string[3];
        var letterOfRank = new char[3];
        for (int slot = 0; slot < 3; slot++)
        {
            responses[slot] = t.Ranked[order[slot]];
            letterOfRank[order[slot]] = (char)('A' + slot);
        }

        string label = new(letterOfRank);
        yield return Make(t, PpjdTask.BatchRanking, "", responses, label[..1], label);
        foreach (var (better, worse) in new[] { (0, 1), (0, 2), (1, 2) })
        {
            bool flip = (HashRng.Mix(t.Seed, (ulong)(0x9A10 + better * 3 + worse)) & 1) == 1;
            string[] ab = flip ? [t.Ranked[worse], t.Ranked[better]] : [t.Ranked[better], t.Ranked[worse]];
            string letter = flip ? "B" : "A";
            yield return Make(t, PpjdTask.Pair, $"-{better + 1}v{worse + 1}", ab, better == 0 ? letter : "", letter);
        }
    }

    /// <summary>slot → rank, a seeded Fisher–Yates permutation of 0..2.</summary>
    internal static int[] Permutation(ulong seed)
    {
        int[] a = [0, 1, 2];
        for (int i = 2; i > 0; i--)
        {
            int j = (int)(HashRng.Mix(seed, 0x7E1 + (ulong)i) % (ulong)(i + 1));
            (a[i], a[j]) = (a[j], a[i]);
        }

        return a;
    }

    private static PpjdRecord Make(TripleRow t, string task, string suffix, string[] responses, string chosenLetter,
        string label) =>
        new($"{t.Stem}-{task}-original{suffix}", task, t.Seed, "original", t.Image, t.Image, t.Sha256, t.Sha256,
            t.Question, responses, new Dictionary<string, string> { ["original"] = chosenLetter, ["perturbed"] = "" },
            label, s_none);
}
