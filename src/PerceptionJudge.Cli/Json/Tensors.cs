namespace PerceptionJudge.Cli.Json;

/// <summary>A row-major [Rows][Cols] float matrix read from JSON.</summary>
internal readonly record struct FloatMatrix(float[] Data, int Rows, int Cols);

/// <summary>A row-major [Rows][Cols][Depth] float tensor read from JSON (e.g. logits [B][T][V]).</summary>
internal readonly record struct FloatTensor3(float[] Data, int Rows, int Cols, int Depth);
