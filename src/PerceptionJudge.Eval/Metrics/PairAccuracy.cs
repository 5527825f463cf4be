using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Metrics;

/// <summary>Pair-comparison accuracies of one run, under the three tie conventions.</summary>
/// <param name="Count">Examples with a generation.</param>
/// <param name="ParseFailures">Generations with no verdict or conflicting verdicts.</param>
/// <param name="WithTie">Share of all examples whose verdict equals the human one (A, B or C).</param>
/// <param name="WithoutTie">Paper convention ("w.o. Tie"): the same share over the examples whose human label is
/// not C; a C or unparsed prediction there is wrong. NaN when every label is C.</param>
/// <param name="WithoutTieCount">Examples kept by <paramref name="WithoutTie"/>.</param>
/// <param name="WithoutTieStrict">Stricter convention: only examples where neither the human label nor the
/// prediction is C (an unparsed prediction is not C, so it stays in and counts wrong). NaN when none is left.</param>
/// <param name="WithoutTieStrictCount">Examples kept by <paramref name="WithoutTieStrict"/>.</param>
/// <param name="Macro">Macro precision, recall and F1 over the buckets A, B and everything else (C, no parse,
/// conflicting), over all examples (<see cref="PairAccuracy.Bucket"/>, <see cref="MacroAverage"/>).</param>
public sealed record PairAccuracyResult(
    int Count, int ParseFailures, double WithTie, double WithoutTie, int WithoutTieCount,
    double WithoutTieStrict, int WithoutTieStrictCount, MacroScores Macro)
{
    /// <summary>ParseFailures / Count; NaN when Count is 0.</summary>
    public double ParseFailureRate => Count == 0 ? double.NaN : (double)ParseFailures / Count;
}

/// <summary>
/// Pair comparison (MLLM-as-a-Judge, Chen et al. 2024, Table "Pair w. Tie / w.o. Tie"): accuracy of the judge's
/// verdict (<see cref="JudgeOutput.ParseVerdict"/>) against the human label.
/// <list type="bullet">
/// <item><b>with tie</b>: <c>#{pred = truth} / N</c> over all examples;</item>
/// <item><b>without tie</b> (the paper's): examples whose human label is C removed,
/// <c>#{pred = truth} / N_{truth≠C}</c>. The authors confirm in github.com/Dongping-Chen/MLLM-Judge issue #6 that
/// the paper's non-tie numbers drop every example labelled C and score the rest with sklearn
/// <c>accuracy_score</c>;</item>
/// <item><b>without tie, strict</b>: examples whose label or prediction is C removed (the convention of the
/// benchmark's <c>scripts/calculate_metrics.ipynb</c>: <c>gt == 'C' or pred == 'C'</c> skipped);</item>
/// <item><b>macro precision, recall, F1</b>: the verdicts as a three-class problem, buckets A, B and everything
/// else, averaged as scikit-learn's <c>average="macro"</c> (see <see cref="MacroAverage"/>).</item>
/// </list>
/// A generation without a parsable verdict counts as a wrong answer in every accuracy (it is never a C); for the
/// macro scores it falls in the "everything else" bucket with C.
/// </summary>
public static class PairAccuracy
{
    /// <summary>Buckets of the macro scores: 0 = A, 1 = B, 2 = everything else.</summary>
    public const int Buckets = 3;

    /// <summary>The macro-score bucket of a verdict: A → 0, B → 1, anything else (C, none, conflicting) → 2.</summary>
    public static int Bucket(Verdict verdict) => verdict switch
    {
        Verdict.A => 0,
        Verdict.B => 1,
        _ => 2,
    };

    /// <summary>Accuracies of predicted verdicts against human verdicts (A, B or C).</summary>
    public static PairAccuracyResult Compute(ReadOnlySpan<Verdict> truth, ReadOnlySpan<Verdict> predicted)
    {
        if (truth.Length != predicted.Length)
        {
            throw new ArgumentException(
                $"{truth.Length} labels and {predicted.Length} predictions; they must pair up", nameof(predicted));
        }

        int failures = 0, right = 0, keptPaper = 0, rightPaper = 0, keptStrict = 0, rightStrict = 0;
        var truthBuckets = new int[truth.Length];
        var predictedBuckets = new int[truth.Length];
        for (int i = 0; i < truth.Length; i++)
        {
            if (truth[i] is not (Verdict.A or Verdict.B or Verdict.C))
            {
                throw new ArgumentException($"label {i} is {truth[i]}; a human label is A, B or C", nameof(truth));
            }

            truthBuckets[i] = Bucket(truth[i]);
            predictedBuckets[i] = Bucket(predicted[i]);
            bool parsed = predicted[i] is Verdict.A or Verdict.B or Verdict.C;
            bool hit = parsed && predicted[i] == truth[i];
            failures += parsed ? 0 : 1;
            right += hit ? 1 : 0;
            if (truth[i] != Verdict.C)
            {
                keptPaper++;
                rightPaper += hit ? 1 : 0;
                if (predicted[i] != Verdict.C)
                {
                    keptStrict++;
                    rightStrict += hit ? 1 : 0;
                }
            }
        }

        return new PairAccuracyResult(truth.Length, failures, Ratio(right, truth.Length),
            Ratio(rightPaper, keptPaper), keptPaper, Ratio(rightStrict, keptStrict), keptStrict,
            MacroAverage.Compute(truthBuckets, predictedBuckets, Buckets));
    }

    private static double Ratio(int hits, int n) => n == 0 ? double.NaN : (double)hits / n;
}
