namespace PerceptionJudge.Training.Metrics;

/// <summary>
/// The metric names the trainer reports and the progress display shows (verl's names without their section prefix).
/// </summary>
public static class MetricNames
{
    /// <summary>Mean reward of the step's rollouts.</summary>
    public const string Reward = "reward_mean";

    /// <summary>Mean KL(π‖π_ref) of the step (the KL loss term's estimator).</summary>
    public const string Kl = "kl";

    /// <summary>Share of tokens whose ratio was clipped (verl pg_clipfrac).</summary>
    public const string ClipFrac = "pg_clipfrac";

    /// <summary>Mean token entropy of the policy.</summary>
    public const string Entropy = "entropy";

    /// <summary>Generated plus trained tokens per second of the step.</summary>
    public const string TokensPerSecond = "tokens_per_s";

    /// <summary>The step's total loss.</summary>
    public const string Loss = "loss";

    /// <summary>The SFT warm-up's loss while it trains image descriptions (its first stage).</summary>
    public const string DescribeLoss = "describe_loss";

    /// <summary>The SFT warm-up's loss on the gold judgments (its second stage).</summary>
    public const string SftLoss = "sft_loss";

    /// <summary>A step's wall time in seconds (SFT and RL).</summary>
    public const string StepSeconds = "time_step_s";
}
