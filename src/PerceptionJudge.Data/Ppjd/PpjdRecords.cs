namespace PerceptionJudge.Data.Ppjd;

/// <summary>One image pair with a question whose answer differs between the two images.</summary>
internal sealed record PpjdPair(string Stem, ulong Seed, string OriginalImage, string PerturbedImage,
    string OriginalSha256, string PerturbedSha256, string Question, string QuestionKind, string OriginalAnswer,
    string PerturbedAnswer, PpjdPerturbation Perturbation, string OriginalFacts = "", string PerturbedFacts = "");

/// <summary>
/// Turns a pair into judge records, deterministically from its seed:
/// <list type="bullet">
/// <item>score ×2: the response right for the original, shown with each image (labels "1" and "0");</item>
/// <item>pair ×2: both responses in seeded order, shown with each image (label = the letter right for it), plus,
/// for every fourth seed, a tie (two phrasings of the right answer, label "C");</item>
/// <item>batch_ranking ×2: right answer ≻ the answer right for the other image (a subtle perception error) ≻ an
/// evasive non-answer, in seeded letters; the label lists letters best-first, e.g. "BCA".</item>
/// </list>
/// </summary>
internal static class PpjdRecords
{
    private const string Evasive = "I cannot tell from the image.";

    public static IEnumerable<PpjdRecord> For(PpjdPair p)
    {
        string ro = Phrase(p.QuestionKind, p.OriginalAnswer, 0), rp = Phrase(p.QuestionKind, p.PerturbedAnswer, 0);
        yield return Make(p, PpjdTask.Score, "original", [ro], Map("A", ""), "1");
        yield return Make(p, PpjdTask.Score, "perturbed", [ro], Map("A", ""), "0");

        bool flip = (p.Seed & 1) == 1;
        string[] ab = flip ? [rp, ro] : [ro, rp];
        string oLetter = flip ? "B" : "A", pLetter = flip ? "A" : "B";
        yield return Make(p, PpjdTask.Pair, "original", ab, Map(oLetter, pLetter), oLetter);
        yield return Make(p, PpjdTask.Pair, "perturbed", ab, Map(oLetter, pLetter), pLetter);
        if (p.Seed % 4 == 0)
        {
            yield return Make(p, PpjdTask.Pair, "original", [ro, Phrase(p.QuestionKind, p.OriginalAnswer, 1)],
                Map("AB", ""), "C", "-tie");
        }

        foreach (var (image, right, wrong) in new[] { ("original", ro, rp), ("perturbed", rp, ro) })
        {
            string[] ranked = [right, wrong, Evasive];
            int[] order = Permutation(p.Seed ^ (image == "original" ? 0x51UL : 0xA7UL));
            var responses = new string[3];
            var letterOfRank = new char[3];
            for (int slot = 0; slot < 3; slot++)
            {
                responses[slot] = ranked[order[slot]];
                letterOfRank[order[slot]] = (char)('A' + slot);
            }

            string label = new(letterOfRank);
            string other = image == "original" ? "perturbed" : "original";
            var correct = new Dictionary<string, string> { [image] = label[..1], [other] = label.Substring(1, 1) };
            yield return Make(p, PpjdTask.BatchRanking, image, responses, correct, label);
        }
    }

    private static Dictionary<string, string> Map(string original, string perturbed) =>
        new() { ["original"] = original, ["perturbed"] = perturbed };

    private static PpjdRecord Make(PpjdPair p, string task, string image, string[] responses,
        IReadOnlyDictionary<string, string> correct, string label, string suffix = "") =>
        new($"{p.Stem}-{task}-{image}{suffix}", task, p.Seed, image, p.OriginalImage, p.PerturbedImage,
            p.OriginalSha256, p.PerturbedSha256, p.Question, responses, correct, label, p.Perturbation,
            p.OriginalFacts.Length + p.PerturbedFacts.Length == 0 ? null
                : new Dictionary<string, string> { ["original"] = p.OriginalFacts, ["perturbed"] = p.PerturbedFacts });

    /// <summary>slot → rank, a seeded permutation of 0..2.</summary>
    private static int[] Permutation(ulong seed)
    {
        int[] a = [0, 1, 2];
        for (int i = 2; i > 0; i--)
        {
            int j = (int)(Kernels.Perturb.HashRng.Mix(seed, (ulong)i) % (ulong)(i + 1));
            (a[i], a[j]) = (a[j], a[i]);
        }

        return a;
    }

    /// <summary>
    /// A short natural-language response stating <paramref name="answer"/>; variant 1 is a paraphrase.
    /// </summary>
    public static string Phrase(string kind, string answer, int variant) => (kind, variant) switch
    {
        ("count", 0) => $"I count {answer}.",
        ("count", _) => $"There are {answer} in the image.",
        ("colour", 0) => $"It is {answer}.",
        ("colour", _) => $"The colour is {answer}.",
        ("position", 0) => answer == "yes" ? "Yes, it is to the left." : "No, it is not to the left.",
        ("position", _) => answer == "yes" ? "Yes." : "No.",
        ("text", 0) => $"The number written is {answer}.",
        _ => $"It says {answer}.",
    };
}
