namespace PerceptionJudge.Eval.Report;

/// <summary>One judge's output on an example.</summary>
/// <param name="Judge">Which judge (<c>SFT base (before GRPO)</c>, <c>after GRPO</c>).</param>
/// <param name="Generation">The judge's generation.</param>
/// <param name="Reward">The reward the generation received.</param>
public sealed record JudgeVerdict(string Judge, string Generation, double Reward);

/// <summary>One example shown in the report: the record once, then each judge's output on it side by side.</summary>
/// <param name="Id">The example's id.</param>
/// <param name="ImagePng">The image shown to the judges as PNG bytes (embedded as a base64 data URI), or null.</param>
/// <param name="Question">The question or instruction.</param>
/// <param name="Responses">The responses judged, in letter order (A, B, ...).</param>
/// <param name="Truth">The human label as text (<c>4</c>, <c>A</c>, <c>CDAB</c>).</param>
/// <param name="Judgments">The judges' outputs on this example, in column order (the first is the baseline the
/// others' rewards are compared with).</param>
/// <param name="Caption">A line about the example (which image is shown, the edit, why it was picked), or null.
/// </param>
public sealed record ExampleJudgment(
    string Id, byte[]? ImagePng, string Question, IReadOnlyList<string> Responses, string Truth,
    IReadOnlyList<JudgeVerdict> Judgments, string? Caption = null);

/// <summary>What the HTML report shows; every part is optional and left out of the page when absent.</summary>
/// <param name="Title">The page title.</param>
/// <param name="MetricsPath">The training metrics JSONL (<see cref="TrainingLog"/>): one plot per curve present,
/// and the wall time per stage.</param>
/// <param name="Before">The evaluation before training.</param>
/// <param name="After">The evaluation after training (with deltas when <paramref name="Before"/> is given).</param>
/// <param name="Examples">A few example judgments.</param>
/// <param name="ExamplesNote">A line above the examples saying how they were chosen, or null.</param>
public sealed record ReportInput(
    string Title,
    string? MetricsPath = null,
    EvalSummary? Before = null,
    EvalSummary? After = null,
    IReadOnlyList<ExampleJudgment>? Examples = null,
    string? ExamplesNote = null);
