namespace PerceptionJudge.Model.Nn.Generation;

/// <summary>
/// Sampling settings with HF <c>GenerationConfig</c> meanings (verl rollout names in brackets). Temperature 0 means
/// greedy decoding (do_sample=False).
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to generate at most per row (max_new_tokens [response_length]).</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Logits are divided by it before filtering; 0 = greedy (temperature).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep the k highest-scoring tokens (ties at the k-th score kept too); 0 or −1 = off (top_k).</summary>
    public int TopK { get; init; }

    /// <summary>Keep the fewest top tokens whose probability reaches p, at least one; 1 = off (top_p).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Ids that end a row (eos_token_id); the EOS token is kept and counted in the row's length.</summary>
    public IReadOnlyList<long> EosTokenIds { get; init; } = [];

    /// <summary>Written after a row has ended (pad_token_id).</summary>
    public long PadTokenId { get; init; }

    /// <summary>Seed of the sampling draws: the same seed, prompts and weights give the same tokens.</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 1)
        {
            throw new ArgumentException($"max_new_tokens must be >= 1, got {MaxNewTokens}");
        }
        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentException($"temperature must be finite and >= 0 (0 = greedy), got {Temperature}");
        }
        if (TopK < -1)
        {
            throw new ArgumentException($"top_k must be >= 1, or 0 / -1 for off, got {TopK}");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
        }
    }
}

/// <summary>
/// Generated tokens: <see cref="Tokens"/>[b] holds N ids (N = the steps decoding ran, the same for every row), row b's
/// tokens then <see cref="GenerationOptions.PadTokenId"/>; <see cref="Lengths"/>[b] counts row b's tokens, its EOS
/// included.
/// </summary>
public sealed record GenerationResult(long[][] Tokens, int[] Lengths)
{
    /// <summary>Row <paramref name="row"/>'s generated tokens without padding.</summary>
    public ReadOnlySpan<long> Row(int row) => Tokens[row].AsSpan(0, Lengths[row]);
}
