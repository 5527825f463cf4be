using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Metrics;

/// <summary>
/// One original/perturbed image pair judged twice with the same responses: on the original image the response
/// <see cref="MatchOriginal"/> describes the picture, on the perturbed image <see cref="MatchPerturbed"/> does.
/// </summary>
/// <param name="Id">The pair's id (for error messages).</param>
/// <param name="Kind">The perturbation kind (<c>color_swap</c>, <c>object_removal</c>, ...), for the per-kind split.
/// </param>
/// <param name="Task"><see cref="JudgeTask.Pair"/> (the generations hold verdicts) or <see cref="JudgeTask.Batch"/>
/// (they hold rankings).</param>
/// <param name="ResponseCount">Responses shown: 2 for a pair, n for a batch.</param>
/// <param name="MatchOriginal">0-based index of the response that matches the original image.</param>
/// <param name="MatchPerturbed">0-based index of the response that matches the perturbed image.</param>
/// <param name="GenerationOriginal">The judge's generation on the original image.</param>
/// <param name="GenerationPerturbed">The judge's generation on the perturbed image.</param>
public sealed record FidelityCase(
    string Id, string Kind, JudgeTask Task, int ResponseCount, int MatchOriginal, int MatchPerturbed,
    string GenerationOriginal, string GenerationPerturbed);

/// <summary>Fidelity shares of a group of cases.</summary>
/// <param name="Cases">Cases in the group.</param>
/// <param name="BothRight">Share of cases where the judge prefers the matching response on both images.</param>
/// <param name="OriginalRight">Share preferring the matching response on the original image.</param>
/// <param name="PerturbedRight">Share preferring the matching response on the perturbed image.</param>
public sealed record FidelityShares(int Cases, double BothRight, double OriginalRight, double PerturbedRight);

/// <summary>Perceptual fidelity overall and per perturbation kind (ordinal order of the kind).</summary>
/// <param name="Overall">All cases.</param>
/// <param name="ByKind">One entry per <see cref="FidelityCase.Kind"/>.</param>
public sealed record FidelityResult(FidelityShares Overall, IReadOnlyList<KeyValuePair<string, FidelityShares>> ByKind);

/// <summary>
/// Perceptual fidelity: does the judge's preference follow the picture? For each case the judge "prefers" response
/// r when its pair verdict names r (<c>[[A]]</c> = 0, <c>[[B]]</c> = 1; a tie, no verdict or conflicting verdicts
/// prefer nothing) or, for a batch, when its parsed ranking puts r first (an unparsed ranking prefers nothing).
/// A case scores 1 when the judge prefers the matching response on <b>both</b> images, else 0; fidelity is the mean
/// over cases, with the two per-image shares beside it. A judge that ignores the image and always picks the same
/// response scores 0 wherever the two matching responses differ. This is the project's definition (PPJD pairs); it
/// has no published reference implementation.
/// </summary>
public static class PerceptualFidelity
{
    /// <summary>Fidelity of <paramref name="cases"/>, overall and per kind.</summary>
    public static FidelityResult Compute(IReadOnlyList<FidelityCase> cases)
    {
        var hits = cases.Select(c => (c.Kind, Original: Prefers(c, c.GenerationOriginal, c.MatchOriginal),
            Perturbed: Prefers(c, c.GenerationPerturbed, c.MatchPerturbed))).ToArray();
        var byKind = hits.Select(h => h.Kind).Distinct().Order(StringComparer.Ordinal)
            .Select(k => KeyValuePair.Create(k, Shares(hits.Where(h => h.Kind == k).ToArray())))
            .ToArray();
        return new FidelityResult(Shares(hits), byKind);
    }

    private static FidelityShares Shares((string Kind, bool Original, bool Perturbed)[] hits)
    {
        int n = hits.Length;
        double Share(Func<(string Kind, bool Original, bool Perturbed), bool> hit) =>
            n == 0 ? double.NaN : (double)hits.Count(hit) / n;
        return new FidelityShares(n, Share(h => h.Original && h.Perturbed), Share(h => h.Original),
            Share(h => h.Perturbed));
    }

    /// <summary>Whether <paramref name="generation"/> prefers response <paramref name="match"/>.</summary>
    private static bool Prefers(FidelityCase c, string generation, int match)
    {
        Check(c, match);
        if (c.Task == JudgeTask.Pair)
        {
            var verdict = JudgeOutput.ParseVerdict(generation);
            return (verdict == Verdict.A && match == 0) || (verdict == Verdict.B && match == 1);
        }

        Span<int> position = stackalloc int[JudgeOutput.MaxResponses];
        return JudgeOutput.TryParseRanking(generation, c.ResponseCount, position) && position[match] == 0;
    }

    private static void Check(FidelityCase c, int match)
    {
        bool ok = c.Task switch
        {
            JudgeTask.Pair => c.ResponseCount == 2,
            JudgeTask.Batch => c.ResponseCount is >= 2 and <= JudgeOutput.MaxResponses,
            _ => false,
        };
        if (!ok || match < 0 || match >= c.ResponseCount)
        {
            throw new EvalException($"fidelity case '{c.Id}'",
                $"task {c.Task} with {c.ResponseCount} responses and matching response {match} is not valid: "
                + $"use Pair with 2 responses or Batch with 2..{JudgeOutput.MaxResponses}, "
                + "and a 0-based index below the count");
        }
    }
}
