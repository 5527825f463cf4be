using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.PolicyLoss;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary>
/// <c>policy_loss</c>: verl <c>get_policy_loss_fn(loss_mode)</c> → pg_loss, pg_clipfrac, ppo_kl, pg_clipfrac_lower
/// and d pg_loss / d log_prob [B][T]. Hyper-parameters use verl's names and defaults.
/// </summary>
internal sealed class PolicyLossOp : MathOp
{
    public override string Name => "policy_loss";

    public override string Description =>
        "verl policy losses -> pg_loss, pg_clipfrac, ppo_kl, pg_clipfrac_lower, grad_log_prob [B][T]";

    public override IReadOnlyList<string> Required =>
        ["loss_mode", "old_log_prob", "log_prob", "advantages", "response_mask"];

    public override IReadOnlyList<string> Optional =>
    [
        "loss_agg_mode", "clip_ratio", "clip_ratio_low", "clip_ratio_high", "clip_ratio_c",
        "kl_cov_ratio", "ppo_kl_coef", "clip_cov_ratio", "clip_cov_lb", "clip_cov_ub", "seed", "tau_pos", "tau_neg",
    ];

    public override IReadOnlyList<NameChoices> Choices => [new("loss_mode", PolicyLoss.Modes)];

    protected override JsonObject Evaluate(JsonInput input)
    {
        string mode = Choose(input, "loss_mode", PolicyLoss.Modes);
        var oldLogProb = input.Matrix("old_log_prob");
        int rows = oldLogProb.Rows;
        int cols = oldLogProb.Cols;
        var logProb = input.Matrix("log_prob", rows, cols);
        var advantages = input.Matrix("advantages", rows, cols);
        var mask = input.Matrix("response_mask", rows, cols);
        var defaults = new PolicyLossOptions();
        var options = new PolicyLossOptions
        {
            LossAggMode = Choose(input, "loss_agg_mode", LossAggregation.Modes, defaults.LossAggMode),
            ClipRatio = input.Float("clip_ratio", defaults.ClipRatio),
            ClipRatioLow = input.OptionalFloat("clip_ratio_low"),
            ClipRatioHigh = input.OptionalFloat("clip_ratio_high"),
            ClipRatioC = input.Float("clip_ratio_c", defaults.ClipRatioC),
            KlCovRatio = input.Has("kl_cov_ratio") ? input.Double("kl_cov_ratio") : defaults.KlCovRatio,
            PpoKlCoef = input.Float("ppo_kl_coef", defaults.PpoKlCoef),
            ClipCovRatio = input.Has("clip_cov_ratio") ? input.Double("clip_cov_ratio") : defaults.ClipCovRatio,
            ClipCovLb = input.Float("clip_cov_lb", defaults.ClipCovLb),
            ClipCovUb = input.Float("clip_cov_ub", defaults.ClipCovUb),
            Seed = input.Int("seed", defaults.Seed),
            TauPos = input.Float("tau_pos", defaults.TauPos),
            TauNeg = input.Float("tau_neg", defaults.TauNeg),
        };

        var grad = new float[oldLogProb.Data.Length];
        var batch = new PolicyLossInput(oldLogProb.Data, logProb.Data, advantages.Data, mask.Data, rows, cols);
        var result = PolicyLoss.Compute(mode, batch, grad, options);
        return new JsonObject
        {
            ["pg_loss"] = JsonOutput.Number(result.PgLoss),
            ["pg_clipfrac"] = JsonOutput.Number(result.PgClipfrac),
            ["ppo_kl"] = JsonOutput.Number(result.PpoKl),
            ["pg_clipfrac_lower"] = JsonOutput.Number(result.PgClipfracLower),
            ["grad_log_prob"] = JsonOutput.Matrix(grad, rows, cols),
        };
    }
}
