using System.Text;

namespace PerceptionJudge.Eval.Report;

/// <summary>
/// The report's training section: one line plot per curve and phase present in the metrics log (SFT curves against
/// SFT steps, RL curves against RL steps; a curve's x axis spans its stage's steps, the RL ones all of RL), then the wall time of each stage (describe, sft, rl) as stacked bars.
/// </summary>
internal static class TrainingSection
{
    /// <summary>What each curve shows: plot title and y-axis title.</summary>
    private static readonly Dictionary<string, (string Title, string Y)> s_curves = new(StringComparer.Ordinal)
    {
        ["describe_loss"] = ("describe loss (SFT stage 1: image → facts)", "cross-entropy (nats/token)"),
        ["sft_loss"] = ("SFT loss (gold judgments)", "cross-entropy (nats/token)"),
        ["reward_mean"] = ("mean reward of the rollouts", "reward"),
        ["reward_std"] = ("reward std of the rollouts", "reward std"),
        ["kl"] = ("KL(π ‖ π_ref)", "KL estimate"),
        ["pg_clipfrac"] = ("clipped-token share (pg_clipfrac)", "share of tokens"),
        ["entropy"] = ("policy entropy", "nats/token"),
        ["pg_loss"] = ("policy-gradient loss", "loss"),
        ["grad_norm"] = ("gradient norm (before clipping)", "L2 norm"),
        ["response_length"] = ("response length", "tokens"),
        ["tokens_per_s"] = ("throughput", "tokens/s"),
    };

    /// <summary>Colour of each phase's lines.</summary>
    private static string PhaseColor(string phase) => phase == "sft" ? "#8a5cc2" : "#1f77b4";

    /// <summary>Appends the section for <paramref name="log"/>.</summary>
    public static void Append(StringBuilder sb, TrainingLog log)
    {
        sb.Append("<h2>Training</h2><p class=\"legend\">Curves from metrics.jsonl, one point per step: ")
            .Append("<span style=\"color:").Append(PhaseColor("sft")).Append("\">■ SFT warm-up</span> ")
            .Append("(steps counted across its describe and sft stages), <span style=\"color:").Append(PhaseColor("rl"))
            .Append("\">■ RL</span>. Gaps are missing or NaN values.</p><div class=\"plots\">");
        foreach (string phase in new[] { "sft", "rl" })
        {
            var records = log.Records.Where(r => r.Phase == phase).ToArray();
            foreach (var key in TrainingLog.CurveKeys)
            {
                var present = records.Where(r => r.Values.ContainsKey(key)).ToArray();
                if (!present.Any(r => double.IsFinite(r.Values[key])))
                {
                    continue;
                }

                var curveStages = present.Select(r => r.Stage).ToHashSet();
                var span = records.Where(r => curveStages.Contains(r.Stage)).Select(r => r.Step).ToArray();
                var points = present.Select(r => (r.Step, r.Values[key])).ToArray();

                var (title, y) = s_curves[key];
                string stepName = phase == "sft" ? "SFT step" : "RL step";
                sb.Append(Svg.LinePlot(key, title, stepName, y, PhaseColor(phase), (span.Min(), span.Max()), points));
            }
        }

        var stages = TrainingLog.Stages.Where(s => log.Records.Any(r => r.Stage == s)).ToArray();
        if (stages.Length > 0 && (log.Has(TrainingLog.StepTimeKey) || TrainingLog.TimeKeys.Any(log.Has)))
        {
            sb.Append(Svg.StackedBars("time per stage", "wall time per stage", "stage", "seconds (summed over steps)",
                stages, Segments(log, stages)));
        }

        sb.Append("</div>");
    }

    /// <summary>
    /// The RL step's timed parts (rollout, reward, ...) and "rest of step": a step's <c>time_step_s</c> minus its
    /// timed parts (all of an SFT step, whose parts are not split).
    /// </summary>
    private static List<BarSegment> Segments(TrainingLog log, IReadOnlyList<string> stages)
    {
        var segments = TrainingLog.TimeKeys
            .Select(k => new BarSegment(k["time_".Length..^"_s".Length], stages.Select(s => log.Sum(s, k)).ToArray()))
            .ToList();
        segments.Add(new BarSegment("rest of step", stages.Select(s => Math.Max(0,
            log.Sum(s, TrainingLog.StepTimeKey) - TrainingLog.TimeKeys.Sum(k => log.Sum(s, k)))).ToArray()));
        return segments;
    }
}
