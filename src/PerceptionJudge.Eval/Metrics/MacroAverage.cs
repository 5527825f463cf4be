namespace PerceptionJudge.Eval.Metrics;

/// <summary>Macro-averaged precision, recall and F1 of one classification.</summary>
/// <param name="Precision">Unweighted mean of the per-label precisions; NaN when there are no rows.</param>
/// <param name="Recall">Unweighted mean of the per-label recalls; NaN when there are no rows.</param>
/// <param name="F1">Unweighted mean of the per-label F1 scores (not the F1 of the two means); NaN when there are no
/// rows.</param>
/// <param name="Labels">How many labels were averaged: those present in the truth or the predictions.</param>
public readonly record struct MacroScores(double Precision, double Recall, double F1, int Labels);

/// <summary>
/// Macro averaging with the semantics of scikit-learn's
/// <c>precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)</c> with the default
/// <c>labels=None</c>. The sklearn documentation of <c>labels</c>: "By default, all labels in y_true and y_pred are
/// used in sorted order", and of <c>"macro"</c>: "Calculate metrics for each label, and find their unweighted mean"
/// (<c>sklearn/metrics/_classification.py</c>: <c>present_labels = unique_labels(y_true, y_pred)</c>). So the mean
/// runs over the labels that occur in the truth or the predictions, <b>not</b> over a fixed label set: a label that
/// occurs nowhere is left out, one that occurs on one side only scores 0 where its ratio is 0/0.
/// <para>Per label c, with tp = #{truth = pred = c}, p = #{pred = c}, t = #{truth = c}:
/// precision = tp / p (0 when p = 0), recall = tp / t (0 when t = 0),
/// F1 = 2·tp / (p + t) = 2·tp / (2·tp + fp + fn), sklearn's <c>(1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp)</c> at
/// β = 1 (older releases compute 2PR/(P+R) with 0/0 = 0, the same value).</para>
/// </summary>
public static class MacroAverage
{
    /// <summary>Macro scores of labels <c>0..classes-1</c>; every value must be in that range.</summary>
    public static MacroScores Compute(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classes)
    {
        if (truth.Length != predicted.Length)
        {
            throw new ArgumentException(
                $"{truth.Length} labels and {predicted.Length} predictions; they must pair up", nameof(predicted));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Span<int> hits = stackalloc int[classes];
        Span<int> inTruth = stackalloc int[classes];
        Span<int> inPrediction = stackalloc int[classes];
        hits.Clear();
        inTruth.Clear();
        inPrediction.Clear();
        for (int i = 0; i < truth.Length; i++)
        {
            if ((uint)truth[i] >= (uint)classes || (uint)predicted[i] >= (uint)classes)
            {
                throw new ArgumentException(
                    $"row {i}: label {truth[i]} or prediction {predicted[i]} is outside 0..{classes - 1}",
                    nameof(truth));
            }

            inTruth[truth[i]]++;
            inPrediction[predicted[i]]++;
            hits[truth[i]] += truth[i] == predicted[i] ? 1 : 0;
        }

        double precision = 0, recall = 0, f1 = 0;
        int labels = 0;
        for (int c = 0; c < classes; c++)
        {
            if (inTruth[c] + inPrediction[c] == 0)
            {
                continue;
            }

            labels++;
            precision += inPrediction[c] == 0 ? 0 : (double)hits[c] / inPrediction[c];
            recall += inTruth[c] == 0 ? 0 : (double)hits[c] / inTruth[c];
            f1 += 2.0 * hits[c] / (inPrediction[c] + inTruth[c]);
        }

        return labels == 0
            ? new MacroScores(double.NaN, double.NaN, double.NaN, 0)
            : new MacroScores(precision / labels, recall / labels, f1 / labels, labels);
    }
}
