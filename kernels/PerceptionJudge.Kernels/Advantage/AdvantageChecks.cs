using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>Entry-point checks shared by every backend; field names are verl's parameter names.</summary>
internal static class AdvantageChecks
{
    /// <summary>TRL's divisor offset: <c>advantages / (std + 1e-4)</c>.</summary>
    public const double TrlEpsilon = 1e-4;

    /// <summary>verl <c>masked_whiten</c>: <c>rsqrt(var + 1e-8)</c>.</summary>
    public const double WhitenEpsilon = 1e-8;

    /// <summary>verl <c>masked_mean</c> adds 1e-8 to the mask sum.</summary>
    public const double MaskedMeanEpsilon = 1e-8;

    public static void Input(in AdvantageInput input, Span<float> advantages, Span<float> returns, bool baselines)
    {
        Shapes(input, advantages, returns);
        Guard.Finite(input.TokenLevelRewards, "token_level_rewards", input.Cols);
        Guard.Finite(input.ResponseMask, "response_mask", input.Cols);
        if (baselines)
        {
            Guard.Length(input.RewardBaselines, input.Rows, "reward_baselines");
            Guard.Finite(input.RewardBaselines, "reward_baselines");
        }
    }

    /// <summary>Shapes only; a fused kernel that detects NaN/Inf in its own pass calls this, then
    /// <see cref="Input"/> to name the bad row if it saw one.</summary>
    public static void Shapes(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        Guard.Positive(input.Rows, "rows");
        Guard.Positive(input.Cols, "cols");
        long size = (long)input.Rows * input.Cols;
        if (size > Array.MaxLength)
        {
            throw new KernelInputException("token_level_rewards", $"{input.Rows}x{input.Cols} is too large");
        }

        Matrix(input.TokenLevelRewards, input.Rows, input.Cols, "token_level_rewards");
        Matrix(input.ResponseMask, input.Rows, input.Cols, "response_mask");
        if (input.Index is null)
        {
            throw new KernelInputException("index", "is null");
        }

        if (input.Index.Rows != input.Rows)
        {
            throw new KernelInputException("index", $"expected {input.Rows} ids, got {input.Index.Rows}");
        }

        Guard.Length(advantages, (int)size, "advantages");
        Guard.Length(returns, (int)size, "returns");
    }

    public static void Trl(ReadOnlySpan<float> rewards, GroupIndex index, Span<float> advantages)
    {
        Guard.Positive(rewards.Length, "rewards");
        if (index is null)
        {
            throw new KernelInputException("index", "is null");
        }

        if (index.Rows != rewards.Length)
        {
            throw new KernelInputException("index", $"expected {rewards.Length} ids, got {index.Rows}");
        }

        Guard.Length(advantages, rewards.Length, "advantages");
        Guard.Finite(rewards, "rewards");
    }

    /// <summary>A [rows][cols] span: a short or long span names the first incomplete (or extra) row.</summary>
    private static void Matrix(ReadOnlySpan<float> values, int rows, int cols, string field)
    {
        long expected = (long)rows * cols;
        if (values.Length != expected)
        {
            int row = values.Length < expected ? values.Length / cols : rows;
            throw new KernelInputException(
                field, $"expected {rows}x{cols} = {expected} elements, got {values.Length}", row);
        }
    }

    /// <summary>verl <c>masked_var</c> refuses a mask sum of 0 or 1 (Bessel correction divides by n-1).</summary>
    public static void MaskSum(double maskSum)
    {
        if (maskSum == 0 || maskSum == 1)
        {
            throw new KernelInputException(
                "response_mask", $"mask sum is {maskSum}; masked_whiten needs at least 2 response tokens");
        }
    }

    public static KernelInputException PassKGroupTooSmall(GroupIndex index, int g) =>
        new("index", $"grpo_passk needs at least 2 samples per group; group {g} has {index.SizeOf(g)}",
            index.RowsOf(g)[0]);

    public static KernelInputException ZeroLengthGroup(GroupIndex index, int g) =>
        new("response_mask", $"opo: group {g} has total response length 0", index.RowsOf(g)[0]);
}
