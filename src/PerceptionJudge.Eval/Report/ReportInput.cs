namespace PerceptionJudge.Eval.Report;

/// <summary>One judged example shown in the report.</summary>
/// <param name="Id">The example's id.</param>
/// <param name="ImagePng">The image as PNG bytes (embedded as a base64 data URI), or null for none.</param>
/// <param name="Question">The question or instruction.</param>
/// <param name="Responses">The responses judged, in letter order (A, B, ...).</param>
/// <param name="Truth">The human label as text (<c>4</c>, <c>A</c>, <c>CDAB</c>).</param>
/// <param name="Generation">The judge's generation.</param>
/// <param name="Reward">The reward the generation received.</param>
public sealed record ExampleJudgment(
    string Id, byte[]? ImagePng, string Question, IReadOnlyList<string> Responses, string Truth, string Generation,
    double Reward);

/// <summary>What the HTML report shows; every part is optional and left out of the page when absent.</summary>
/// <param name="Title">The page title.</param>
/// <param name="MetricsPath">The training metrics JSONL (<see cref="TrainingLog"/>): one plot per curve present,
/// and the time split per phase.</param>
/// <param name="Before">The evaluation before training.</param>
/// <param name="After">The evaluation after training (with deltas when <paramref name="Before"/> is given).</param>
/// <param name="Examples">A few example judgments.</param>
public sealed record ReportInput(
    string Title,
    string? MetricsPath = null,
    EvalSummary? Before = null,
    EvalSummary? After = null,
    IReadOnlyList<ExampleJudgment>? Examples = null);
