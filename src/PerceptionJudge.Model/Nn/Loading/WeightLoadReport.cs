namespace PerceptionJudge.Model.Nn.Loading;

/// <summary>
/// What a weight load found (HF <c>from_pretrained</c>'s <c>output_loading_info</c>): model parameters absent from the
/// checkpoint, checkpoint tensors the model does not have, and tensors present in both with different shapes.
/// </summary>
public sealed record WeightLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> Mismatched)
{
    /// <summary>
    /// Checkpoint tensors loaded under another name, as "stored -> model" (the transformers ≥ 4.52 layout mapped to
    /// the hub's; <see cref="WeightNames"/>).
    /// </summary>
    public IReadOnlyList<string> Renamed { get; init; } = [];

    /// <summary>True when every parameter was loaded and nothing was left over.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>A multi-line account of the problems, one tensor per line.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        lines.AddRange(Mismatched.Select(m => "shape mismatch: " + m));
        lines.AddRange(Missing.Select(m => "missing from the checkpoint: " + m));
        lines.AddRange(Unexpected.Select(u => "unexpected in the checkpoint: " + u));
        return string.Join(Environment.NewLine, lines);
    }
}
