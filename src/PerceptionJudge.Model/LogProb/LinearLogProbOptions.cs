namespace PerceptionJudge.Model.LogProb;

/// <summary>
/// Options of <see cref="LinearLogProb"/>: the sampling temperature (logits are divided by it, as verl's actor does
/// before its log-prob and entropy) and the block the logits are materialised in, <c>TokenChunk × VocabChunk</c>
/// floats at a time (default 256 × 4096 = 4 MiB, instead of the N × V of the full logits).
/// </summary>
/// <param name="Temperature">T &gt; 0: every statistic is of <c>z = hidden·Wᵀ / T</c>.</param>
/// <param name="TokenChunk">Tokens per block (rows of hidden per matmul).</param>
/// <param name="VocabChunk">Vocabulary rows of the weight per block.</param>
public sealed record LinearLogProbOptions(float Temperature = 1f, int TokenChunk = 256, int VocabChunk = 4096)
{
    /// <summary>The defaults.</summary>
    public static LinearLogProbOptions Default { get; } = new();

    /// <summary>Bytes of the largest logits block: <c>TokenChunk · VocabChunk · 4</c>.</summary>
    public long BlockBytes => (long)TokenChunk * VocabChunk * sizeof(float);

    internal void Validate()
    {
        if (!float.IsFinite(Temperature) || Temperature <= 0f)
        {
            throw new ModelException($"LinearLogProb: temperature must be positive and finite, got {Temperature}");
        }

        if (TokenChunk <= 0 || VocabChunk <= 0)
        {
            throw new ModelException(
                $"LinearLogProb: TokenChunk and VocabChunk must be positive, got {TokenChunk} and {VocabChunk}");
        }
    }
}
